/**
 * The views of the shell and how the address's hash names them. Pure (no DOM), so tests and
 * modules outside the page can use it.
 */
export const VIEWS = ['devices', 'bundles', 'flash', 'bench', 'audit'] as const;
export type View = (typeof VIEWS)[number];

export const VIEW_LABELS: Readonly<Record<View, string>> = {
  devices: 'Devices',
  bundles: 'Bundles',
  flash: 'Flash',
  bench: 'Benchmark',
  audit: 'Audit',
};

export function viewFromHash(hash: string): View {
  const name = hash.replace(/^#\/?/, '');
  return (VIEWS as readonly string[]).includes(name) ? (name as View) : 'devices';
}
