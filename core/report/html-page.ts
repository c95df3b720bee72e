/**
 * The shell of the reports Fieldline leaves on site (flash jobs, benchmarks): one printable HTML
 * page with no script and no external asset, so it opens the same on any laptop years later.
 * Every value in a report comes from gateways and bundles, i.e. from outside: escape all of it.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A value for the page, escaped; `empty` when there is none. */
export const e = (value: string | number | null | undefined, empty = '—'): string =>
  value === null || value === undefined || value === '' ? empty : escapeHtml(String(value));

export interface HtmlPage {
  readonly title: string;
  readonly generatorVersion: string;
  /** Inline CSS (the page carries its own style). */
  readonly style: string;
  /** Already-escaped HTML: everything after the <h1>. */
  readonly body: string;
}

export function htmlPage(page: HtmlPage): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Fieldline ${e(page.generatorVersion)}">
<title>${e(page.title)}</title>
<style>${page.style}</style>
</head>
<body>
<h1>${e(page.title)}</h1>
${page.body}
</body>
</html>
`;
}
