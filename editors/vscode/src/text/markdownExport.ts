// Pure: a session and its events as a Markdown document ("Copy Session as Markdown").
import { eventTitle, formatTime } from './labels';
import type { Event, Session } from '../daemon/protocol';

/** A fence of backticks longer than any run inside the text, so the text cannot close it. */
export function fenceFor(text: string): string {
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** Makes one line safe as plain text in Markdown (used for metadata values). */
export function escapeMarkdownInline(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&').replace(/\s*\n\s*/g, ' ');
}

function eventBody(e: Event): string {
  // Prompts and replies are usually Markdown already: keep them as written.
  // Everything else is literal output: fence it so it is shown verbatim.
  if (e.kind === 'prompt' || e.kind === 'system') return e.text;
  const fence = fenceFor(e.text);
  return `${fence}\n${e.text}\n${fence}`;
}

export function sessionToMarkdown(session: Session, events: readonly Event[]): string {
  const meta = [
    `- Started: ${session.startedAt}`,
    `- Ended: ${session.endedAt ?? 'still live'}`,
    `- Client: ${escapeMarkdownInline(session.cliVersion)}`,
  ];
  if (session.engineBaseUrl !== null) meta.push(`- Engine: ${escapeMarkdownInline(session.engineBaseUrl)}`);
  if (session.parentUlid !== null) meta.push(`- Continues: ${session.parentUlid}`);
  const parts = [`# Session ${session.ulid}`, meta.join('\n')];
  for (const e of events) {
    parts.push(`## ${e.seq}. ${escapeMarkdownInline(eventTitle(e))} · ${formatTime(e.createdAt)}`, eventBody(e));
  }
  return parts.join('\n\n') + '\n';
}
