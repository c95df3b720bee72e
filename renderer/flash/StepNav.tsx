/**
 * The four steps, always on screen: what → where → confirm → go, with the current one marked
 * and the ones already reached reachable again by keyboard.
 */
import type { WizardStep } from './store.js';

const LABELS: Readonly<Record<WizardStep, { title: string; hint: string }>> = {
  what: { title: 'What', hint: 'Choose a bundle' },
  where: { title: 'Where', hint: 'Choose gateways' },
  confirm: { title: 'Confirm', hint: 'Check what changes' },
  go: { title: 'Go', hint: 'Flash and watch' },
};

export interface StepNavItem {
  readonly step: WizardStep;
  /** The short fact chosen in this step ("Fieldline Demo Classifier 1.0.0", "2 gateways"). */
  readonly value: string | null;
  readonly reachable: boolean;
}

export function StepNav({
  current,
  items,
  onGo,
}: {
  current: WizardStep;
  items: readonly StepNavItem[];
  onGo(step: WizardStep): void;
}): React.ReactElement {
  const at = items.findIndex((i) => i.step === current);
  return (
    <nav aria-label="Flash steps" className="flash-steps" data-testid="flash-steps">
      <ol>
        {items.map((item, i) => {
          const state = i < at ? 'done' : i === at ? 'current' : 'todo';
          const label = LABELS[item.step];
          const body = (
            <>
              <span className="flash-steps__number" aria-hidden="true">
                {state === 'done' ? '✓' : i + 1}
              </span>
              <span className="flash-steps__text">
                <span className="flash-steps__title">{label.title}</span>
                <span className="flash-steps__value">{item.value ?? label.hint}</span>
              </span>
            </>
          );
          return (
            <li
              key={item.step}
              className={`flash-steps__item flash-steps__item--${state}`}
              data-testid={`flash-step-${item.step}`}
              data-state={state}
            >
              {item.reachable && state !== 'current' ? (
                <button type="button" className="flash-steps__button" onClick={() => onGo(item.step)}>
                  {body}
                </button>
              ) : (
                <span className="flash-steps__button" aria-current={state === 'current' ? 'step' : undefined}>
                  {body}
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}
