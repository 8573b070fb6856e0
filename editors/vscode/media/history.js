// @ts-check
// The history webview's only script (allowed by nonce). The extension sends
// HTML it has already escaped; this script never builds markup from raw text.
(function () {
  const vscode = acquireVsCodeApi();
  const header = /** @type {HTMLElement} */ (document.getElementById('header'));
  const events = /** @type {HTMLElement} */ (document.getElementById('events'));
  const earlier = /** @type {HTMLButtonElement} */ (document.getElementById('earlier'));
  const form = /** @type {HTMLFormElement} */ (document.getElementById('composer'));
  const input = /** @type {HTMLTextAreaElement} */ (document.getElementById('input'));

  window.addEventListener('message', (ev) => {
    const m = ev.data;
    if (m.type === 'render') {
      const stick = events.scrollHeight - events.scrollTop - events.clientHeight < 40;
      header.innerHTML = m.headerHtml;
      events.innerHTML = m.eventsHtml;
      earlier.hidden = !m.hasEarlier;
      input.placeholder = m.hint;
      if (stick) events.scrollTop = events.scrollHeight;
    } else if (m.type === 'failed' && input.value === '') {
      input.value = m.text;
    }
  });

  function send() {
    const text = input.value;
    if (text.trim() === '') return;
    vscode.postMessage({ type: 'send', text });
    input.value = '';
  }

  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    send();
  });
  earlier.addEventListener('click', () => vscode.postMessage({ type: 'earlier' }));
  vscode.postMessage({ type: 'ready' });
})();
