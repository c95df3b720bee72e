/**
 * Fenced code blocks of a specification document, with their `key=value` attributes, so a test
 * can check every worked example against the project's own code.
 */
import assert from 'node:assert/strict';

export interface Fence {
  readonly lang: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly body: string;
  /** 1-based line of the opening fence, for failure messages. */
  readonly line: number;
}

export function fences(markdown: string, docName: string): Fence[] {
  const out: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    assert.ok(i < lines.length, `${docName}:${start + 1}: fenced block is never closed`);
    const attrs = new Map<string, string>();
    for (const pair of (open[2] ?? '').split(/\s+/).filter(Boolean)) {
      const eq = pair.indexOf('=');
      if (eq > 0) attrs.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    out.push({ lang: open[1] ?? '', attrs, body: body.join('\n'), line: start + 1 });
  }
  return out;
}
