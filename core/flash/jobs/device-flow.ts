/**
 * One gateway's flash, step by step: preflight → transfer → verify → install → activate →
 * health → confirm, or roll back.
 *
 * Safety rule: once a slot has been activated, every way out of this flow (failure, cancel,
 * health timeout) ends with the gateway on a confirmed slot — confirmed new, or the previous one
 * again — and the outcome says which. Models have no trial boot: the gateway checks them with
 * their golden cases while installing, and they are active as soon as install answers.
 */
import type { DeviceDescriptor, FlashRollback, FlashStep } from '../../api/schemas.js';
import { call, flashStatus, hexToBytes, installResult, isHealthy, describeHealth, rebootResult, confirmResult } from '../device-calls.js';
import type { FlashStatus } from '../device-calls.js';
import { errorCode, errorMessage, FlashError } from '../flash-error.js';
import { FgpError } from '../../protocol/errors.js';
import { commitArtifact, sendArtifact } from '../transfer.js';
import { reconnect, sleep } from './reconnect.js';
import { closed, gatewayRolledBack, other, trialSlotOf, type Slot } from './boot-watch.js';
import type { FlashSession, FlowContext, FlowOutcome } from './flow-types.js';

const INSTALL_TIMEOUT_MS = 300_000;
const CALL_TIMEOUT_MS = 30_000;
/** How long the gateway may take to drop the link after it said it is rebooting. */
const REBOOT_DROP_MS = 10_000;
const HEALTH_POLL_MS = 250;
const PREFLIGHT_REACH_MS = 15_000;
const MAX_RETRANSFERS = 2;
const PAST_INSTALL: readonly FlashStep[] = ['activate', 'health', 'confirm', 'rollback', 'done'];

export function runDeviceFlow(ctx: FlowContext): Promise<FlowOutcome> {
  return new DeviceFlow(ctx).run();
}

class DeviceFlow {
  private session: FlashSession | null = null;
  private current: FlashStep = 'preflight';
  /** Set from the moment `activate` is sent until `confirm` succeeds. */
  private trial: { readonly slot: Slot; readonly previous: Slot } | null = null;
  /** Rollback must run even when the job was cancelled: it never uses the job's signal. */
  private readonly rescue = new AbortController().signal;

  constructor(private readonly ctx: FlowContext) {}

  async run(): Promise<FlowOutcome> {
    try {
      return await this.steps();
    } catch (err) {
      return await this.failed(err);
    } finally {
      await this.session?.close().catch(() => undefined);
    }
  }

  private begin(step: FlashStep): void {
    if (this.ctx.signal.aborted) throw new FlashError('cancelled', `cancelled before ${step}`);
    this.current = step;
    this.ctx.report({ step, state: 'running' });
    this.ctx.step(step, 'started');
  }

  private async connected(what: string, signal = this.ctx.signal, budgetMs = this.ctx.timing.reconnectMs): Promise<FlashSession> {
    if (this.session && !this.session.peer.isClosed) return this.session;
    await this.session?.close().catch(() => undefined);
    this.session = null;
    this.session = await reconnect(this.ctx.connect, {
      budgetMs,
      backoffMs: this.ctx.timing.backoffMs,
      signal,
      what,
    });
    return this.session;
  }

  private async drop(): Promise<void> {
    await this.session?.close().catch(() => undefined);
    this.session = null;
  }

  private async steps(): Promise<FlowOutcome> {
    const { ctx } = this;
    const { bundle } = ctx;
    this.begin('preflight');
    // The link check: a gateway that is off should not hold a job up for the whole reboot budget.
    const session = await this.connected('the gateway', this.ctx.signal, Math.min(this.ctx.timing.reconnectMs, PREFLIGHT_REACH_MS));
    const d = session.descriptor;
    const slotKind = bundle.kind !== 'model';
    ctx.report({
      deviceName: d.name,
      fromVersion: slotKind ? d.firmware.version : (d.models.find((m) => m.name === bundle.name)?.version ?? null),
      toVersion: bundle.version,
    });

    // Resuming a job the app lost track of: pick up where the gateway actually is.
    const resumed = ctx.previousStep !== null && PAST_INSTALL.includes(ctx.previousStep);
    const trialSlot = trialSlotOf(d);
    if (slotKind && trialSlot !== null && d.slots.find((s) => s.name === trialSlot)?.version === bundle.version) {
      ctx.step(
        'preflight',
        'ok',
        `the gateway is already on trial with ${bundle.version} in slot ${trialSlot}: continuing at the health check`,
      );
      this.trial = { slot: trialSlot, previous: other(trialSlot) };
      await this.health();
      await this.confirm();
      return this.done();
    }
    if (resumed && slotKind && trialSlot === null && d.firmware.version === bundle.version) {
      ctx.step('preflight', 'ok', `the gateway already runs ${bundle.version} (confirmed)`);
      return this.done();
    }
    if (resumed && !slotKind && d.models.some((m) => m.name === bundle.name && m.version === bundle.version)) {
      ctx.step('preflight', 'ok', `the gateway already has ${bundle.name} ${bundle.version}`);
      await this.modelHealth();
      return this.done();
    }

    const verdict = await ctx.check(d);
    if (!verdict.ok) {
      ctx.step('preflight', 'skipped', verdict.message);
      ctx.report({ state: 'skipped', error: { code: verdict.code, message: verdict.message } });
      return { state: 'skipped', step: 'preflight', error: { code: verdict.code, message: verdict.message }, rollback: null };
    }
    ctx.step('preflight', 'ok', `${bundle.name} ${bundle.version} is allowed on ${d.name}`);

    await this.transferAndVerify();
    const installed = await this.install();
    if (installed.slot !== undefined) {
      await this.activate(installed.slot);
      await this.health();
      await this.confirm();
    } else {
      ctx.step('activate', 'skipped', 'a model is active once installed');
      await this.modelHealth();
      ctx.step('confirm', 'skipped', 'the gateway recorded the model when it installed it');
    }
    return this.done();
  }

  private done(): FlowOutcome {
    this.current = 'done';
    this.ctx.report({ step: 'done', state: 'succeeded', error: null }, { rateBps: 0, etaSeconds: 0 });
    this.ctx.step('done', 'ok');
    return { state: 'succeeded' };
  }

  private async transferAndVerify(): Promise<void> {
    const { ctx } = this;
    const { bundle, timing } = ctx;
    let fruitless = 0;
    let retransfers = 0;
    for (;;) {
      this.begin('transfer');
      const session = await this.connected('the gateway');
      const attemptStarted = performance.now();
      try {
        const result = await sendArtifact(
          session.peer,
          { file: bundle.path, sha256: bundle.id, size: bundle.size, name: `${bundle.name}-${bundle.version}.flb` },
          {
            commit: false,
            signal: ctx.signal,
            chunkTimeoutMs: timing.chunkTimeoutMs,
            onProgress: (p) =>
              ctx.report(
                { bytesSent: p.held, bytesTotal: p.size, resumedFrom: p.resumedFrom },
                { rateBps: p.rateBps, etaSeconds: p.etaSeconds },
              ),
          },
        );
        ctx.report({ addTransfer: { bytes: result.bytesSent, ms: result.durationMs } });
        ctx.step(
          'transfer',
          'ok',
          `${result.bytesSent} bytes sent in ${result.chunksSent} chunks (${result.chunksResent} again), resumed from ${result.startedAt}`,
        );
      } catch (err) {
        if (err instanceof FlashError && err.counters !== undefined)
          ctx.report({ addTransfer: { bytes: err.counters.bytesSent, ms: performance.now() - attemptStarted } });
        if (!(err instanceof FlashError) || !err.resumable) throw err;
        const progressed = err.counters !== undefined && err.counters.held > err.counters.startedAt;
        fruitless = progressed ? 0 : fruitless + 1;
        if (fruitless >= timing.transferAttempts) throw err;
        ctx.step('transfer', 'failed', `${err.message}; reconnecting to resume`);
        await this.drop();
        continue;
      }

      this.begin('verify');
      try {
        const verified = await commitArtifact(this.session!.peer, bundle.id);
        ctx.step('verify', 'ok', `the gateway verified ${verified.name} ${verified.version} (${verified.kind})`);
        return;
      } catch (err) {
        const code = errorCode(err);
        if (code === 'artifact_corrupt' && retransfers < MAX_RETRANSFERS) {
          retransfers++;
          ctx.step('verify', 'failed', `${errorMessage(err)}; sending the artifact again`);
          ctx.report({ bytesSent: 0 });
          continue;
        }
        if (err instanceof FlashError && err.resumable && retransfers + fruitless < timing.transferAttempts) {
          fruitless++;
          ctx.step('verify', 'failed', `${err.message}; reconnecting`);
          await this.drop();
          continue;
        }
        throw err;
      }
    }
  }

  private async install(): Promise<{ slot?: Slot; model?: string; version: string }> {
    this.begin('install');
    const session = await this.connected('the gateway');
    const result = await call(session.peer, 'install', { sha256: hexToBytes(this.ctx.bundle.id) }, installResult, INSTALL_TIMEOUT_MS);
    this.ctx.step(
      'install',
      'ok',
      result.slot !== undefined ? `written to slot ${result.slot}` : `model ${result.model ?? ''} ${result.version} installed`,
    );
    return result;
  }

  private async status(session: FlashSession): Promise<FlashStatus> {
    return call(session.peer, 'status', {}, flashStatus, CALL_TIMEOUT_MS);
  }

  private async activate(slot: Slot): Promise<void> {
    this.begin('activate');
    const session = await this.connected('the gateway');
    const previous = session.descriptor.firmware.activeSlot;
    const before = (await this.status(session)).lastRollback?.at ?? null;
    this.trial = { slot, previous };
    let rebootMs = 0;
    let wentAway = false;
    try {
      const answer = await call(session.peer, 'activate', { slot }, rebootResult, CALL_TIMEOUT_MS);
      rebootMs = answer.rebootMs ?? 0;
      await closed(session, REBOOT_DROP_MS);
    } catch (err) {
      // No answer because the gateway went down (power lost while it switched): only the slot it
      // boots next tells whether the switch happened.
      if (!session.peer.isClosed && !(err instanceof FgpError && err.code === 'connection_closed')) throw err;
      wentAway = true;
      this.ctx.step('activate', 'failed', `the gateway went down while switching to slot ${slot}; waiting to see which slot it boots`);
    }
    await this.drop();
    await sleep(Math.min(rebootMs, 500), this.ctx.signal);
    const seen: { boot: 'trial' | 'rolled-back' | 'not-switched'; firmware: string } = { boot: 'trial', firmware: '' };
    this.session = await reconnect(
      this.ctx.connect,
      {
        budgetMs: this.ctx.timing.reconnectMs,
        backoffMs: this.ctx.timing.backoffMs,
        signal: this.ctx.signal,
        what: `the gateway to boot slot ${slot}`,
      },
      async (s) => {
        if (trialSlotOf(s.descriptor) === slot) return true;
        const st = await this.status(s);
        seen.firmware = `slot ${st.firmware.activeSlot} (${st.firmware.version})`;
        if (st.lastRollback !== null && st.lastRollback !== undefined && st.lastRollback.at !== before) {
          seen.boot = 'rolled-back';
          return true;
        }
        // Back up, not on trial, on the slot it ran before: the switch never took.
        if ((st.trial ?? null) === null && st.firmware.activeSlot === previous) {
          seen.boot = 'not-switched';
          return true;
        }
        return false;
      },
    );
    if (seen.boot === 'rolled-back')
      throw gatewayRolledBack(`the trial boot of slot ${slot} failed and the gateway went back to slot ${previous} by itself`);
    if (seen.boot === 'not-switched')
      throw new FlashError(
        wentAway ? 'activate_interrupted' : 'activate_not_taken',
        `the gateway ${wentAway ? 'went down while switching to' : 'did not boot'} slot ${slot} and came back on its previous ${seen.firmware}: nothing changed`,
        {
          data: { rollback: 'rolled-back-by-gateway', detail: `the gateway never left ${seen.firmware}` },
          fix: 'Check the gateway’s power, then retry: the bundle is already installed in the inactive slot.',
        },
      );
    this.ctx.step(
      'activate',
      'ok',
      wentAway ? `the gateway came back after losing the link and booted slot ${slot} on trial` : `booted slot ${slot} on trial`,
    );
  }

  /** Waits for the gateway's own verdict on its trial boot. */
  private async health(): Promise<void> {
    this.begin('health');
    const trial = this.trial!;
    const deadline = performance.now() + this.ctx.timing.healthMs;
    let reportedFailure = false;
    for (;;) {
      if (this.ctx.signal.aborted) throw new FlashError('cancelled', 'cancelled during the health check');
      const session = await this.connected('the gateway during its health check');
      let st: FlashStatus;
      try {
        st = await this.status(session);
      } catch (err) {
        if (session.peer.isClosed) {
          await this.drop();
          continue; // the gateway rebooted (rolled back by itself?): the next status says
        }
        throw err;
      }
      const onTrial = st.trial?.slot === trial.slot || trialSlotOf(session.descriptor) === trial.slot;
      if (!onTrial && st.firmware.activeSlot === trial.previous)
        throw gatewayRolledBack(
          `the gateway left the trial of slot ${trial.slot} by itself${st.lastRollback ? `: ${st.lastRollback.reason}` : ''}`,
        );
      if (onTrial && isHealthy(st.health)) {
        this.ctx.step('health', 'ok', describeHealth(st.health));
        return;
      }
      const h = st.health as { state?: unknown } | undefined;
      if (h?.state === 'failed' && !reportedFailure) {
        // The gateway rolls itself back; a later status shows it on the previous slot.
        reportedFailure = true;
        this.ctx.step('health', 'failed', describeHealth(st.health));
      }
      if (performance.now() > deadline)
        throw new FlashError(
          'health_timeout',
          `the gateway gave no healthy verdict within ${Math.round(this.ctx.timing.healthMs / 1000)} s: ${describeHealth(st.health)}`,
        );
      await sleep(HEALTH_POLL_MS, this.ctx.signal);
    }
  }

  private async confirm(): Promise<void> {
    this.begin('confirm');
    const session = await this.connected('the gateway');
    const result = await call(session.peer, 'confirm', {}, confirmResult, CALL_TIMEOUT_MS);
    if (result.activeSlot !== this.trial?.slot)
      throw new FlashError('confirm_mismatch', `the gateway confirmed slot ${result.activeSlot}, not ${this.trial?.slot ?? '?'}`);
    this.trial = null;
    this.ctx.step('confirm', 'ok', `slot ${result.activeSlot} (${result.version}) is now the confirmed slot`);
  }

  /** A model is active once installed: check that the gateway comes back listing it. */
  private async modelHealth(): Promise<void> {
    this.begin('health');
    await this.drop();
    const { bundle } = this.ctx;
    const session = await this.connected('the gateway');
    if (!session.descriptor.models.some((m) => m.name === bundle.name && m.version === bundle.version))
      throw new FlashError(
        'health_failed',
        `the gateway does not list ${bundle.name} ${bundle.version} among its models after installing it`,
      );
    const st = await this.status(session);
    const h = st.health as { state?: unknown } | undefined;
    if (h?.state === 'failed') throw new FlashError('health_failed', `the gateway reports it is not healthy: ${describeHealth(st.health)}`);
    this.ctx.step('health', 'ok', `${bundle.name} ${bundle.version} is loaded`);
  }

  private async failed(err: unknown): Promise<FlowOutcome> {
    const cancelled = errorCode(err) === 'cancelled';
    const error = { code: cancelled ? 'cancelled' : errorCode(err), message: errorMessage(err) };
    const step = this.current;
    this.ctx.step(step, cancelled ? 'cancelled' : 'failed', error.message);
    let rollback: FlashRollback | null = null;
    if (this.trial !== null) {
      const data = err instanceof FlashError ? (err.data as { rollback?: unknown; detail?: unknown } | undefined) : undefined;
      if (data?.rollback === 'rolled-back-by-gateway') {
        rollback = 'rolled-back-by-gateway';
        this.ctx.step(
          'rollback',
          'ok',
          typeof data.detail === 'string' ? data.detail : 'the gateway went back to its previous slot by itself',
        );
      } else {
        rollback = await this.rollback(this.trial);
      }
    }
    this.ctx.report({ step, state: cancelled ? 'cancelled' : 'failed', error, rollback }, { rateBps: 0, etaSeconds: null });
    return { state: cancelled ? 'cancelled' : 'failed', step, error, rollback };
  }

  private async rollback(trial: { readonly slot: Slot; readonly previous: Slot }): Promise<FlashRollback> {
    this.current = 'rollback';
    this.ctx.report({ step: 'rollback' });
    this.ctx.step('rollback', 'started');
    const back = (d: DeviceDescriptor): boolean => d.firmware.activeSlot === trial.previous && trialSlotOf(d) === null;
    try {
      const session = await this.connected('the gateway to roll it back', this.rescue);
      if (back(session.descriptor)) {
        this.ctx.step('rollback', 'ok', `the gateway already runs slot ${trial.previous}`);
        return 'rolled-back-by-gateway';
      }
      await call(session.peer, 'rollback', {}, rebootResult, CALL_TIMEOUT_MS);
      await closed(session, REBOOT_DROP_MS);
      await this.drop();
      this.session = await reconnect(
        this.ctx.connect,
        {
          budgetMs: this.ctx.timing.reconnectMs,
          backoffMs: this.ctx.timing.backoffMs,
          signal: this.rescue,
          what: `the gateway to boot slot ${trial.previous} again`,
        },
        async (s) => back(s.descriptor),
      );
      this.ctx.step('rollback', 'ok', `the gateway runs slot ${trial.previous} again`);
      return 'rolled-back';
    } catch (err) {
      this.ctx.step('rollback', 'failed', errorMessage(err));
      return 'rollback-failed';
    }
  }
}
