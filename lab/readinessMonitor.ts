/**
 * Watches every apiserver's `/readyz` during a run: each one is asked every `intervalMs` (a fresh TLS
 * connection each time, its own loop, so one slow answer delays no other), and every change of an
 * apiserver's state is kept with its time. The number of apiservers not ready at once is counted at every
 * change, so `maxNotReady` is the largest number ever seen down together; that is how "never two down at
 * once" is measured. The precision is one interval plus one answer's time. An answer that does not come
 * within 2 s counts as not ready (so a starved machine can only overstate, never hide, a down apiserver);
 * a stopping apiserver answers 500 or refuses at once.
 */
import { type Readyz, readyz } from './kubeApiClient';
import { sleep } from './processes';

export interface ReadinessChange {
  host: string;
  /** ms since the monitor started */
  at: number;
  ready: boolean;
  /** the answer that changed it (status and the first failing check, or the connection error) */
  detail: string;
}

export interface ReadinessReport {
  maxNotReady: number;
  /** the hosts down together when maxNotReady was first reached */
  notReadyAtMax: string[];
  /** how many /readyz answers each host gave */
  polls: Record<string, number>;
  changes: ReadinessChange[];
  durationMs: number;
}

export interface MonitoredApiserver {
  host: string;
  /** https://<address>:6443 */
  base: string;
}

export class ReadinessMonitor {
  private readonly started = Date.now();
  private readonly ready = new Map<string, boolean>();
  private readonly polls: Record<string, number> = {};
  private readonly changes: ReadinessChange[] = [];
  private maxNotReady = 0;
  private notReadyAtMax: string[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    apiservers: MonitoredApiserver[],
    private readonly caFile: string,
    private readonly intervalMs = 100,
  ) {
    this.loops = apiservers.map((a) => this.watch(a));
  }

  private async watch(a: MonitoredApiserver): Promise<void> {
    this.polls[a.host] = 0;
    while (this.running) {
      const asked = Date.now();
      const answer = await readyz(a.base, this.caFile, 2_000);
      if (!this.running) break;
      this.polls[a.host]++;
      this.record(a.host, answer);
      await sleep(Math.max(0, this.intervalMs - (Date.now() - asked)));
    }
  }

  private record(host: string, answer: Readyz): void {
    if (this.ready.get(host) === answer.ok) return;
    this.ready.set(host, answer.ok);
    const failing = answer.body.split('\n').find((l) => l.startsWith('[-]'));
    this.changes.push({
      host,
      at: Date.now() - this.started,
      ready: answer.ok,
      detail:
        `${answer.status || 'no answer'} ${failing ?? (answer.ok ? '' : answer.body.slice(0, 120))}`.trim(),
    });
    const down = [...this.ready].filter(([, ok]) => !ok).map(([h]) => h);
    if (down.length > this.maxNotReady) {
      this.maxNotReady = down.length;
      this.notReadyAtMax = down;
    }
  }

  /** Stops polling and reports. */
  async stop(): Promise<ReadinessReport> {
    this.running = false;
    await Promise.all(this.loops);
    return {
      maxNotReady: this.maxNotReady,
      notReadyAtMax: this.notReadyAtMax,
      polls: { ...this.polls },
      changes: [...this.changes],
      durationMs: Date.now() - this.started,
    };
  }
}
