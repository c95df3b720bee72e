/**
 * How an action ended, as a badge with words (never colour alone): ok, failed, refused,
 * cancelled; or, for an intent with no result, in progress / no result recorded.
 */
import type { EntryResultFilter } from './filters.js';
import type { PendingState } from './timeline.js';

const RESULT_TEXT: Readonly<Record<EntryResultFilter, string>> = {
  ok: 'OK',
  failed: 'Failed',
  refused: 'Refused',
  cancelled: 'Cancelled',
};

const PENDING_TEXT: Readonly<Record<PendingState, { text: string; title: string }>> = {
  'in-progress': { text: 'In progress', title: 'Started; its result is written when it ends.' },
  'no-result': {
    text: 'No result recorded',
    title: 'Fieldline stopped before this action ended (closed or crashed): check the gateway’s state before you continue.',
  },
};

export function ResultBadge(props: { result: EntryResultFilter | null } | { pending: PendingState }): React.ReactElement {
  if ('pending' in props) {
    const { text, title } = PENDING_TEXT[props.pending];
    return (
      <span className={`audit-badge audit-badge--${props.pending}`} title={title} data-testid="audit-result" data-result={props.pending}>
        {text}
      </span>
    );
  }
  if (props.result === null)
    return (
      <span className="audit-badge audit-badge--event" data-testid="audit-result" data-result="event">
        Recorded
      </span>
    );
  return (
    <span className={`audit-badge audit-badge--${props.result}`} data-testid="audit-result" data-result={props.result}>
      {RESULT_TEXT[props.result]}
    </span>
  );
}
