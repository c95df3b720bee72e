/**
 * Feeds the status bar from the API link and the browser's connectivity events.
 */
import { apiConnection } from '../services/api-client.js';
import { useStatusStore } from './store.js';

export function startStatusSync(): () => void {
  const connection = apiConnection();
  useStatusStore.setState({ host: connection.host, networkOnline: navigator.onLine });
  const offLink = connection.onLinkStatus((link) => useStatusStore.setState({ link }));
  // Only the desktop shell raises it: the engine crashed, is restarting, or is back.
  const offEngine = connection.api.on('engine.status', (engine) => useStatusStore.setState({ engine }));
  const online = (): void => useStatusStore.setState({ networkOnline: true });
  const offline = (): void => useStatusStore.setState({ networkOnline: false });
  window.addEventListener('online', online);
  window.addEventListener('offline', offline);
  return () => {
    offLink();
    offEngine();
    window.removeEventListener('online', online);
    window.removeEventListener('offline', offline);
  };
}
