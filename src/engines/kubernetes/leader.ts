// Leader election on a coordination.k8s.io/v1 Lease, so that of several microscale replicas exactly
// one acts. The rules are client-go's: a candidate takes the Lease only after it has seen it unchanged
// for leaseDuration (its own clock, so clocks need not agree); the leader renews every retryPeriod and
// stops acting the moment renewDeadline passes without a successful renewal, before anyone may take over.
// Written here because @kubernetes/client-node has no leader election.
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { V1MicroTime, type CoordinationV1Api, type V1Lease } from '@kubernetes/client-node';
import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log/logger.js';
import { connect, statusOf } from './client.js';
import type { KubernetesConfig } from './schema.js';

export interface LeaseElectorOptions {
  readonly coordination: CoordinationV1Api;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly log: Logger;
}

/**
 * One identity per process: $POD_NAME (or the hostname) plus a random suffix. A container the kubelet
 * restarts in the same pod is then a new candidate that waits out the Lease like any other, instead of
 * resuming a leadership it cannot know it still has.
 */
export function defaultIdentity(): string {
  return process.env.POD_NAME ? `${process.env.POD_NAME}_${randomBytes(3).toString('hex')}` : `${hostname()}-${process.pid}`;
}

export class LeaseElector extends EventEmitter<{ change: [boolean] }> {
  private leading = false;
  /** Local time at the start of the last successful acquire or renew. */
  private lastRenewMs = Number.NEGATIVE_INFINITY;
  /** The Lease's resourceVersion as last seen, and when (local time) it was first seen. */
  private observed: { version: string; atMs: number } | undefined;
  private holderValue: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private reported = false;
  private attempting: Promise<void> | undefined;

  constructor(private readonly options: LeaseElectorOptions) {
    super();
  }

  /** True only while the last renewal is younger than renewDeadline: checked at the moment of acting. */
  isLeader(): boolean {
    return this.leading && Date.now() - this.lastRenewMs < this.options.renewDeadlineMs;
  }

  /** Who holds the Lease, as last seen. */
  get holder(): string | undefined {
    return this.holderValue;
  }

  get identity(): string {
    return this.options.identity;
  }

  start(): void {
    this.options.log.info(
      { event: 'leader-election', lease: `${this.options.namespace}/${this.options.name}`, identity: this.options.identity },
      'leader election started: this replica acts only while it holds the Lease',
    );
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.attempting = this.attempt().finally(() => {
        this.attempting = undefined;
        // A little jitter while following, so candidates do not move in lockstep (client-go: 1.2).
        this.schedule(this.leading ? this.options.retryPeriodMs : this.options.retryPeriodMs * (1 + Math.random() * 0.2));
      });
    }, delayMs);
  }

  private async attempt(): Promise<void> {
    const startedMs = Date.now();
    try {
      if (await this.tryAcquireOrRenew(startedMs)) {
        this.lastRenewMs = startedMs;
        // A renewal that took longer than renewDeadline does not count: someone may already have taken over.
        this.setLeading(Date.now() - startedMs < this.options.renewDeadlineMs);
      } else this.setLeading(false);
    } catch (error) {
      this.options.log.warn(
        { event: 'lease-error' },
        `cannot read or renew Lease ${this.options.namespace}/${this.options.name}: ${errorMessage(error)}`,
      );
    }
    if (this.leading && !this.isLeader()) this.setLeading(false);
  }

  private setLeading(leading: boolean): void {
    clearTimeout(this.deadlineTimer);
    if (leading) {
      // Say so the moment the deadline passes, even if a renewal is still hanging.
      this.deadlineTimer = setTimeout(
        () => {
          if (!this.isLeader()) this.setLeading(false);
        },
        this.lastRenewMs + this.options.renewDeadlineMs - Date.now() + 1,
      );
      this.deadlineTimer.unref();
    }
    // The first round is always reported, so a replica that starts as a standby says so.
    if (leading === this.leading && this.reported) return;
    this.reported = true;
    this.leading = leading;
    const lease = `${this.options.namespace}/${this.options.name}`;
    if (leading) this.options.log.info({ event: 'leader', lease }, `became the leader (Lease ${lease}): acting from now on`);
    else
      this.options.log.warn(
        { event: 'standby', lease, holder: this.holderValue },
        `not the leader (Lease ${lease} held by ${this.holderValue || 'nobody'}): deciding but not acting`,
      );
    this.emit('change', leading);
  }

  private leaseSpec(now: number, previous: V1Lease['spec'], taking: boolean): NonNullable<V1Lease['spec']> {
    const stamp = new V1MicroTime(now);
    return {
      ...previous,
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.round(this.options.leaseDurationMs / 1000),
      renewTime: stamp,
      acquireTime: taking ? stamp : (previous?.acquireTime ?? stamp),
      leaseTransitions: (previous?.leaseTransitions ?? 0) + (taking && previous?.holderIdentity ? 1 : 0),
    };
  }

  /** One round: create, take or renew the Lease. False when someone else validly holds it or won a race. */
  private async tryAcquireOrRenew(now: number): Promise<boolean> {
    const { coordination, namespace, name, identity } = this.options;
    let lease: V1Lease;
    try {
      lease = await coordination.readNamespacedLease({ name, namespace });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
      return this.written(
        () =>
          coordination.createNamespacedLease({
            namespace,
            body: { metadata: { name, namespace }, spec: this.leaseSpec(now, undefined, true) },
          }),
        now,
      );
    }
    const version = lease.metadata?.resourceVersion ?? '';
    if (this.observed?.version !== version) this.observed = { version, atMs: now };
    const holder = lease.spec?.holderIdentity ?? '';
    this.holderValue = holder;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? this.options.leaseDurationMs / 1000) * 1000;
    if (holder && holder !== identity && now < this.observed.atMs + durationMs) return false;
    const body: V1Lease = { ...lease, spec: this.leaseSpec(now, lease.spec, holder !== identity) };
    return this.written(() => coordination.replaceNamespacedLease({ name, namespace, body }), now);
  }

  /** A write that loses a race (409: someone else wrote first) is a lost round, not an error. */
  private async written(write: () => Promise<V1Lease>, now: number): Promise<boolean> {
    try {
      const lease = await write();
      this.observed = { version: lease.metadata?.resourceVersion ?? '', atMs: now };
      this.holderValue = this.options.identity;
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  /** Stops electing; a leader hands the Lease back (empty holder) so another replica takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.attempting;
    clearTimeout(this.deadlineTimer);
    if (!this.leading) return;
    this.leading = false;
    const { coordination, namespace, name, identity } = this.options;
    try {
      const lease = await coordination.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== identity) return;
      const stamp = new V1MicroTime(Date.now());
      await coordination.replaceNamespacedLease({
        name,
        namespace,
        body: { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: stamp } },
      });
      this.options.log.info({ event: 'lease-released' }, `released Lease ${namespace}/${name}`);
    } catch (error) {
      this.options.log.warn(
        { event: 'lease-error' },
        `could not release Lease ${namespace}/${name} (another replica takes over once it expires): ${errorMessage(error)}`,
      );
    }
  }
}

/** The elector a config asks for (engine kubernetes with `leaderElection:`), not yet started; else undefined. */
export function leaderElectionFor(config: KubernetesConfig, log: Logger): LeaseElector | undefined {
  const election = config.leaderElection;
  if (!election?.enabled) return undefined;
  const clients = connect({
    kubeconfig: config.kubeconfig,
    context: config.context,
    requestTimeout: Math.min(config.requestTimeout, election.retryPeriod * 2),
  });
  return new LeaseElector({
    coordination: clients.coordination,
    namespace: election.namespace ?? config.namespace ?? clients.contextNamespace,
    name: election.name,
    identity: election.identity ?? defaultIdentity(),
    leaseDurationMs: election.leaseDuration,
    renewDeadlineMs: election.renewDeadline,
    retryPeriodMs: election.retryPeriod,
    log,
  });
}
