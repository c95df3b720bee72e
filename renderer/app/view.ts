/**
 * Which view is showing, kept in the address's hash so reload and Back keep the technician's place.
 */
import { create } from 'zustand';

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

export const useViewStore = create<{ readonly view: View }>()(() => ({ view: viewFromHash(window.location.hash) }));

export function startViewSync(): () => void {
  const onHash = (): void => useViewStore.setState({ view: viewFromHash(window.location.hash) });
  window.addEventListener('hashchange', onHash);
  return () => window.removeEventListener('hashchange', onHash);
}
