/**
 * Flash job steps as audit entries: `started` is the intent, `ok`/`failed`/`cancelled` its result,
 * `skipped` a stand-alone entry. A step the record cannot be written for throws, and the job
 * runner fails that gateway instead of acting unrecorded.
 */
import type { FlashStep, FlashStepOutcome } from '../api/schemas.js';
import type { AuditEntry } from '../audit/entry.js';
import type { StepHook } from '../flash/jobs/job-runner.js';
import type { AuditRecorder, JsonParams } from './audit-recorder.js';

export function flashStepHook(recorder: AuditRecorder, onGatewayDone: (deviceId: string) => void): StepHook {
  const open = new Map<string, AuditEntry>();
  return (jobId: string, deviceId: string, step: FlashStep, outcome: FlashStepOutcome, detail: string | null) => {
    const key = `${jobId}:${deviceId}:${step}`;
    const action = `flash.${step}`;
    const params: JsonParams = detail ? { jobId, detail } : { jobId };
    if (outcome === 'started') {
      open.set(key, recorder.intent(action, deviceId, { jobId }));
      return;
    }
    const intent = open.get(key);
    open.delete(key);
    if (outcome === 'skipped') recorder.event(action, deviceId, { ...params, skipped: true });
    else if (!intent) recorder.event(action, deviceId, params, outcome === 'ok' ? 'ok' : outcome);
    else
      recorder.result(
        intent,
        outcome === 'ok' ? 'ok' : outcome,
        params,
        outcome === 'failed' ? { code: 'step_failed', message: detail ?? 'failed' } : null,
      );
    // The gateway's part is over (confirmed, or rolled back): leave it a witness of the log.
    if ((step === 'done' && outcome === 'ok') || (step === 'rollback' && outcome !== 'skipped')) onGatewayDone(deviceId);
  };
}
