/**
 * Across the top of the window while the engine is down (desktop only): why, and that flash jobs
 * will resume. Gone as soon as the restarted engine is back.
 */
import { engineBanner } from './engine-banner.js';
import './engine-banner.css';
import { useStatusStore } from './store.js';

export function EngineBanner(): React.ReactElement | null {
  const engine = useStatusStore((s) => s.engine);
  const text = engineBanner(engine);
  if (text === null) return null;
  return (
    <div
      className={`notice notice--${text.tone === 'error' ? 'error' : 'hint'} engine-banner`}
      role={text.tone === 'error' ? 'alert' : 'status'}
      data-testid="engine-banner"
      data-state={engine?.state}
    >
      <p className="notice__title" data-testid="engine-banner-title">
        {text.title}
      </p>
      <p className="notice__message">{text.detail}</p>
    </div>
  );
}
