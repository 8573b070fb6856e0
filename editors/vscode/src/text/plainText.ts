// Pure: text from a process or the daemon, made fit for a notification or a picker.

/**
 * One line per line, no terminal escapes, and no `[label](target)` that
 * VS Code would turn into a link.
 */
export function plainText(text: string): string {
  return text
    // Control characters are what this removes.
    // eslint-disable-next-line no-control-regex
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
    .replace(/\]\(/g, '] (')
    .trim();
}

/** Text shown as text in a picker: `$(name)` would otherwise become an icon. */
export function escapeIcons(text: string): string {
  return text.replace(/\$\(/g, '\\$(');
}
