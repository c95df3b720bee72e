/**
 * Which view is showing, kept in the address's hash so reload and Back keep the technician's place.
 */
import { create } from 'zustand';
import { viewFromHash, type View } from './views.js';

export { VIEWS, VIEW_LABELS, viewFromHash, type View } from './views.js';

export const useViewStore = create<{ readonly view: View }>()(() => ({ view: viewFromHash(window.location.hash) }));

export function startViewSync(): () => void {
  const onHash = (): void => useViewStore.setState({ view: viewFromHash(window.location.hash) });
  window.addEventListener('hashchange', onHash);
  return () => window.removeEventListener('hashchange', onHash);
}
