// HistoryPane (one history page) against the fake daemon and a fake webview:
// what it posts to the page, and how it follows changes, streams and sends.
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';
import type * as vscode from 'vscode';
import { HistoryPane, type ResumeOffers } from '../../src/views/historyPane';
import type { HistoryMessage } from '../../src/views/historyHtml';
import type { Session } from '../../src/daemon/protocol';
import { SessionService } from '../../src/sessionService';
import { FakeDaemon } from './fakeDaemon';
import { clipboardText, EventEmitter, errors, executed, Uri } from './vscodeStub';

type Posted = { type: string } & Record<string, unknown>;

/** Enough of vscode.Webview: records what is posted, lets the test send what the page would. */
class FakeWebview {
  options: unknown;
  html = '';
  cspSource = 'stub-csp:';
  posted: Posted[] = [];
  private readonly received = new EventEmitter<unknown>();
  onDidReceiveMessage = this.received.event;
  private waiters: (() => void)[] = [];
  asWebviewUri(uri: Uri): Uri {
    return uri;
  }
  postMessage(m: Posted): Promise<boolean> {
    this.posted.push(m);
    for (const w of this.waiters.splice(0)) w();
    return Promise.resolve(true);
  }
  fromPage(m: unknown): void {
    this.received.fire(m);
  }
  renders(): HistoryMessage[] {
    return this.posted.filter((m) => m.type === 'render') as unknown as HistoryMessage[];
  }
  /** Resolves once a posted message satisfies `ok` (within 2 s). */
  async until(ok: (m: Posted) => boolean): Promise<Posted> {
    const deadline = Date.now() + 2000;
    for (;;) {
      const found = this.posted.find(ok);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`not posted; got ${JSON.stringify(this.posted.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

let daemon: FakeDaemon;
let service: SessionService;
let webview: FakeWebview;

function pane(follow: boolean, resumer?: ResumeOffers): HistoryPane {
  const roots = { media: new Uri('/media'), dist: new Uri('/dist') };
  return new HistoryPane(webview as unknown as vscode.Webview, service, roots as never, follow, resumer);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

beforeEach(async () => {
  daemon = new FakeDaemon(2, true);
  service = new SessionService(daemon, 'test 1');
  daemon.announce();
  await settle();
  webview = new FakeWebview();
  errors.length = 0;
});

test('the page gets a CSP and the script from dist/, then the shown session rendered as markdown', async () => {
  const s = daemon.start({ title: 'Plan' });
  daemon.appendFromElsewhere(s.id, 'system', '**bold** <script>x</script>');
  const p = pane(false);
  assert.match(webview.html, /Content-Security-Policy/);
  assert.match(webview.html, /src="stub:\/dist\/history.js"/);
  await p.show(s);
  const [msg] = webview.renders();
  assert.match(msg.headerHtml, /Plan/);
  assert.match(msg.eventsHtml, /<strong>bold<\/strong> &lt;script&gt;x&lt;\/script&gt;/);
});

test('it follows appends to what it shows, and ignores other sessions', async () => {
  const s = daemon.start();
  const other = daemon.start();
  const p = pane(false);
  await p.show(s);
  const before = webview.renders().length;
  daemon.appendFromElsewhere(other.id, 'prompt', 'elsewhere');
  await settle();
  assert.equal(webview.renders().length, before);
  daemon.appendFromElsewhere(s.id, 'prompt', 'here');
  await webview.until((m) => m.type === 'render' && String(m.eventsHtml).includes('here'));
  assert.equal(p.session?.eventCount, 1);
});

test('a burst of appends is rendered a few times, not once per event', async () => {
  const s = daemon.start();
  const p = pane(false);
  await p.show(s);
  const before = daemon.calls.filter((m) => m === 'session/events').length;
  for (let i = 0; i < 50; i++) daemon.appendFromElsewhere(s.id, 'system', `line ${i}`);
  await webview.until((m) => m.type === 'render' && String(m.eventsHtml).includes('line 49'));
  await settle();
  const reads = daemon.calls.filter((m) => m === 'session/events').length - before;
  assert.ok(reads <= 3, `${reads} reads for 50 appends`);
});

test('typing in a tab sends to its session through chat, streams the reply, and stores it', async () => {
  const s = daemon.start();
  const p = pane(false);
  await p.show(s);
  webview.fromPage({ type: 'send', text: 'What is 2+2?' });
  await webview.until((m) => m.type === 'stream' && String(m.html).includes('It is 4.'));
  await webview.until((m) => m.type === 'sending' && m.busy === false);
  await webview.until((m) => m.type === 'render' && String(m.eventsHtml).includes('It is 4.'));
  assert.deepEqual(daemon.events.map((e) => [e.sessionId, e.kind]), [[s.id, 'prompt'], [s.id, 'system']]);
  assert.deepEqual(errors, []);
});

test('typing into an ended session in a tab moves the tab to the continuation', async () => {
  const s: Session = daemon.start({ endedAt: '2026-11-25T01:00:00.000Z' });
  const p = pane(false);
  await p.show(s);
  webview.fromPage({ type: 'send', text: 'again' });
  await webview.until((m) => m.type === 'render' && String(m.headerHtml).includes('continues'));
  assert.equal(p.session?.parentUlid, s.ulid);
});

test('a turn that could not be stored is given back to the box', async () => {
  const s = daemon.start();
  const p = pane(false);
  await p.show(s);
  daemon.caps.chat = false;
  daemon.sessions[0].id = 999; // the daemon no longer knows it: SessionNotFound
  webview.fromPage({ type: 'send', text: 'keep me' });
  await webview.until((m) => m.type === 'failed' && m.text === 'keep me');
  assert.match(errors[0] ?? '', /your turn was not saved/);
});

test('copy writes the clipboard, then tells the page', async () => {
  pane(true);
  webview.fromPage({ type: 'copy', text: 'print(1)', id: 7 });
  await webview.until((m) => m.type === 'copied' && m.id === 7);
  assert.equal(clipboardText.at(-1), 'print(1)');
});

test('a link in a tab opens the linked session in that tab', async () => {
  const parent = daemon.start({ title: 'Parent', endedAt: '2026-11-25T01:00:00.000Z' });
  const child = daemon.start({ parentUlid: parent.ulid });
  const p = pane(false);
  await p.show(child);
  assert.match(webview.renders().at(-1)?.headerHtml ?? '', /continues <button[^>]*data-ulid="[^"]+"[^>]*>Parent<\/button>/);
  webview.fromPage({ type: 'open', ulid: parent.ulid });
  await webview.until((m) => m.type === 'render' && String(m.footerHtml).includes('Continued in'));
  assert.equal(p.session?.id, parent.id);
});

test('with no engine, the page says so before a turn is sent, the turn is stored alone, and the setting opens from the page', async () => {
  daemon = new FakeDaemon(2, true, false);
  service = new SessionService(daemon, 'test 1');
  daemon.announce();
  await settle();
  const s = daemon.start();
  const p = pane(false);
  await p.show(s);
  const shown = webview.renders().at(-1);
  assert.match(shown?.noticeHtml ?? '', /No engine is set/);
  assert.match(shown?.hint ?? '', /no reply/);
  webview.fromPage({ type: 'send', text: 'just a note' });
  await webview.until((m) => m.type === 'render' && String(m.eventsHtml).includes('just a note'));
  await webview.until((m) => m.type === 'sending' && m.busy === false);
  assert.deepEqual(daemon.events.map((e) => [e.kind, e.text]), [['prompt', 'just a note']]);
  assert.deepEqual(errors, []);
  executed.length = 0;
  webview.fromPage({ type: 'openSetting' });
  await settle();
  assert.deepEqual(executed, [['workbench.action.openSettings', 'sessiond.engineBaseUrl']]);
});

test('a tab whose session is not in the database the daemon serves now says so, with no error message, and comes back with it', async () => {
  const s = daemon.start({ title: 'Elsewhere' });
  const p = pane(false);
  await p.show(s);
  // Another database: the same ULID is not there (ids repeat across databases, ULIDs do not).
  const kept = daemon.sessions.splice(0);
  await service.refresh();
  const missing = await webview.until((m) => m.type === 'render' && String(m.headerHtml).includes('is not in the database'));
  assert.equal(missing.canWrite, false);
  assert.deepEqual(errors, []);
  webview.fromPage({ type: 'send', text: 'nowhere to go' });
  await settle();
  assert.equal(daemon.events.length, 0);
  // Back on the first database, under another id.
  daemon.sessions.push({ ...kept[0], id: 42 });
  webview.posted.length = 0;
  await service.refresh();
  await webview.until((m) => m.type === 'render' && String(m.headerHtml).includes('Elsewhere'));
  assert.equal(p.session?.id, 42);
});

test('the Resume button shows once the CLI has said the session\'s program reopens it, asked once, and runs the command from the page', async () => {
  const asked: string[] = [];
  let answer!: (offer: { label: string; command: string; note: string } | undefined) => void;
  const resumer: ResumeOffers = {
    offer: (s) => {
      asked.push(s.ulid);
      return new Promise((resolve) => (answer = resolve));
    },
  };
  const s = daemon.start({ title: 'Fix CI' });
  const p = pane(false, resumer);
  await p.show(s);
  // The page is not kept waiting for the CLI.
  assert.ok(!webview.renders()[0].headerHtml.includes('class="resume"'));
  answer({ label: 'Claude Code', command: 'claude --resume 5d0f', note: '' });
  await webview.until((m) => m.type === 'render' && String(m.headerHtml).includes('Resume in Claude Code'));
  daemon.appendFromElsewhere(s.id, 'prompt', 'more');
  await p.render();
  assert.ok(webview.renders().at(-1)?.headerHtml.includes('Resume in Claude Code'));
  assert.deepEqual(asked, [s.ulid], 'asked once per session');
  executed.length = 0;
  webview.fromPage({ type: 'resume' });
  await settle();
  assert.deepEqual(executed, [['sessiond.resumeSession', s.ulid]]);
});

test('no Resume button for a session its program cannot reopen', async () => {
  const s = daemon.start({ title: 'Notes' });
  const p = pane(false, { offer: () => Promise.resolve(undefined) });
  await p.show(s);
  await settle();
  await p.render();
  assert.ok(webview.renders().every((m) => !m.headerHtml.includes('class="resume"')));
});
