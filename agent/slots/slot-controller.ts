/**
 * The emulated bootloader and A/B state machine of one gateway.
 *
 *   boot        read boot.json and both slots; a pending trial is booted once (its first boot is
 *               recorded with a deadline); a trial booted before and never confirmed, a trial
 *               slot that is not complete, or a passed deadline roll back to the confirmed slot
 *   activate    record "try <slot> next boot" (then the agent reboots)
 *   confirm     the trial slot becomes the confirmed one
 *   rollback    give up the trial (or go back to the other slot)
 *
 * Like MCUboot's test/confirm swap: a trial image gets exactly one boot to confirm itself, so
 * a power cut, a crash or a failed health check always lands on the image that worked before.
 */
import { FgpError } from '../../core/protocol/errors.js';
import type { AgentLog } from '../agent-context.js';
import type { PowerRail } from '../faults/faults.js';
import type { DeviceFile } from '../state-schema.js';
import { readBootState, writeBootState, type BootState } from './boot-state.js';
import { readSlot, SLOT_NAMES, type SlotImage, type SlotName } from './slot-image.js';

export interface TrialInfo {
  readonly slot: SlotName;
  readonly deadline: number;
}

export interface RollbackInfo {
  readonly at: number;
  readonly reason: string;
  readonly from: SlotName;
  readonly to: SlotName;
}

export interface BootOutcome {
  readonly running: SlotName;
  /** Set when this boot is a trial: the health check must pass and a confirm must come. */
  readonly trial: TrialInfo | null;
}

function other(slot: SlotName): SlotName {
  return slot === 'a' ? 'b' : 'a';
}

const bootable = (image: SlotImage): boolean => image.kind !== 'empty';

export class SlotController {
  private state: BootState;
  private images: Record<SlotName, SlotImage>;
  private runningSlot: SlotName;
  private trialInfo: TrialInfo | null = null;

  constructor(
    private readonly stateDir: string,
    /** device.json as written: its slots are the factory images. */
    private readonly factory: DeviceFile,
    private readonly power: PowerRail,
    private readonly trialMs: number,
    private readonly log: AgentLog,
  ) {
    this.state = { schema: 1, active: factory.activeSlot, trial: null, lastRollback: null };
    this.runningSlot = factory.activeSlot;
    this.images = {
      a: { name: 'a', kind: 'empty', version: '', why: 'not read yet' },
      b: { name: 'b', kind: 'empty', version: '', why: 'not read yet' },
    };
  }

  private factoryVersion(slot: SlotName): string {
    const s = this.factory.slots.find((x) => x.name === slot);
    return s && s.state !== 'empty' ? s.version : '';
  }

  async refreshImages(): Promise<void> {
    for (const slot of SLOT_NAMES) this.images[slot] = await readSlot(this.stateDir, slot, this.factoryVersion(slot));
  }

  get running(): SlotName {
    return this.runningSlot;
  }

  get trial(): TrialInfo | null {
    return this.trialInfo;
  }

  get lastRollback(): RollbackInfo | null {
    return this.state.lastRollback;
  }

  image(slot: SlotName): SlotImage {
    return this.images[slot];
  }

  /** The emulated bootloader: decides what runs this boot, writing boot.json where it must. */
  async boot(): Promise<BootOutcome> {
    const { state, problem } = await readBootState(this.stateDir, this.factory.activeSlot);
    if (problem) this.log.warn(`boot environment unreadable, booting the factory slot: ${problem}`);
    this.state = state;
    await this.refreshImages();
    this.trialInfo = null;
    const trial = state.trial;
    if (trial) {
      const now = Date.now();
      if (!bootable(this.images[trial.slot]))
        await this.recordRollback(`the trial slot ${trial.slot} does not hold a complete image`, trial.slot);
      else if (trial.bootedAt !== null)
        await this.recordRollback(`the gateway restarted during the trial of slot ${trial.slot} before it was confirmed`, trial.slot);
      else if (trial.deadline !== null && now > trial.deadline)
        await this.recordRollback(`slot ${trial.slot} was not confirmed before its deadline`, trial.slot);
      else {
        const deadline = now + this.trialMs;
        await writeBootState(
          this.stateDir,
          { ...state, trial: { ...trial, bootedAt: now, deadline } },
          { rail: this.power, phase: 'activate', first: 3 },
        );
        this.state = { ...state, trial: { ...trial, bootedAt: now, deadline } };
        this.runningSlot = trial.slot;
        this.trialInfo = { slot: trial.slot, deadline };
        this.log.info(`booted slot ${trial.slot} (${this.images[trial.slot].version}) on trial until ${new Date(deadline).toISOString()}`);
        return { running: trial.slot, trial: this.trialInfo };
      }
    }
    let running = this.state.active;
    if (!bootable(this.images[running]) && bootable(this.images[other(running)])) {
      this.log.warn(`slot ${running} holds no complete image; booting slot ${other(running)}`);
      running = other(running);
    }
    this.runningSlot = running;
    return { running, trial: null };
  }

  private async recordRollback(reason: string, from: SlotName): Promise<void> {
    const to = this.state.active === from ? other(from) : this.state.active;
    const next: BootState = { ...this.state, active: to, trial: null, lastRollback: { at: Date.now(), reason, from, to } };
    await writeBootState(this.stateDir, next, null);
    this.state = next;
    this.log.warn(`rolled back from slot ${from} to slot ${to}: ${reason}`);
  }

  /** Called when the running trial fails (health, deadline): the next boot runs the confirmed slot. */
  async failTrial(reason: string): Promise<void> {
    const trial = this.trialInfo;
    if (!trial) return;
    this.trialInfo = null;
    await this.recordRollback(reason, trial.slot);
  }

  /** The slot an install writes into: never the one running. */
  get inactive(): SlotName {
    return other(this.runningSlot);
  }

  checkInstallable(): void {
    if (this.trialInfo)
      throw new FgpError(
        'trial_in_progress',
        `slot ${this.trialInfo.slot} is on trial: confirm or roll it back before installing another image`,
      );
  }

  /** activate steps 1–2: "try `slot` next boot". */
  async requestTrial(slot: SlotName): Promise<void> {
    this.checkInstallable();
    if (slot === this.runningSlot) throw new FgpError('slot_invalid', `slot ${slot} is the one running: activate the other slot`);
    const image = this.images[slot];
    if (!bootable(image))
      throw new FgpError(
        'slot_invalid',
        `slot ${slot} holds no complete image (${image.kind === 'empty' ? image.why : ''}): install into it first`,
      );
    const next: BootState = { ...this.state, trial: { slot, requestedAt: Date.now(), bootedAt: null, deadline: null } };
    await writeBootState(this.stateDir, next, { rail: this.power, phase: 'activate', first: 1 });
    this.state = next;
  }

  /** confirm steps 1–2: the trial slot becomes the confirmed one. */
  async confirm(): Promise<SlotImage> {
    const trial = this.trialInfo;
    if (!trial) throw new FgpError('no_trial', 'no slot is on trial: confirm follows activate and the trial boot');
    const next: BootState = { ...this.state, active: trial.slot, trial: null };
    await writeBootState(this.stateDir, next, { rail: this.power, phase: 'confirm', first: 1 });
    this.state = next;
    this.trialInfo = null;
    return this.images[trial.slot];
  }

  /** The `rollback` method: end a trial, or go back to the other slot when there is none. */
  async rollback(reason: string): Promise<SlotName> {
    if (this.trialInfo) {
      await this.failTrial(reason);
      return this.state.active;
    }
    const to = other(this.runningSlot);
    if (!bootable(this.images[to])) throw new FgpError('slot_invalid', `slot ${to} holds no complete image to go back to`);
    const next: BootState = {
      ...this.state,
      active: to,
      trial: null,
      lastRollback: { at: Date.now(), reason, from: this.runningSlot, to },
    };
    await writeBootState(this.stateDir, next, null);
    this.state = next;
    return to;
  }

  /** device.json's view of the slots as they are now (for hello and status). */
  describe(base: DeviceFile): Pick<DeviceFile, 'activeSlot' | 'slots'> {
    return {
      activeSlot: this.runningSlot,
      slots: SLOT_NAMES.map((name) => {
        const image = this.images[name];
        const state: DeviceFile['slots'][number]['state'] =
          name === this.runningSlot ? (this.trialInfo ? 'trial' : 'active') : image.kind === 'empty' ? 'empty' : 'inactive';
        return { name, version: image.version, state };
      }).filter((s) => base.slots.some((b) => b.name === s.name) || s.state !== 'empty'),
    };
  }
}
