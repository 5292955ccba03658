/** Default costs and policy of the latency model. */
import { bytes, bytesPerSecond, mibPerSecond, millis, seconds } from '../units';
import type { ResolvedCosts, ResolvedPolicy } from './inputs';

/** 4 KiB: the page size of x86-64 Linux, in bytes. */
export const DEFAULT_PAGE_SIZE = bytes(4096);

/**
 * The model's fallback for every cost field an input leaves out: uncalibrated first guesses for a bare `runc`
 * on the development machine (Linux 6.18 microVM, CRIU 4.1.1, no soft-dirty tracking). They are not the
 * migration engine's costs: the engine plans with a calibration profile (provider/calibration, default
 * `testbed-2026-11-22`) fitted to its measured migrations. See docs/model.md, "Calibration".
 * - `freezeBase` 20 ms + `dumpRate` 1 GiB/s reproduce one measurement: a
 *   `runc checkpoint --leave-running` of a 256 MiB container took about 0.27 s.
 * - `deltaRate` 1 GiB/s: hashing and comparing 4 KiB pages of two images (one core).
 * - `restoreBase` 250 ms + `restoreRate` 1 GiB/s: `runc restore` of a small container; the Docker Engine's
 *   own `docker start --checkpoint` path measured 3.5 to 4.2 s because it copies images through containerd.
 * - `faultSize` 4 KiB: every post-copy fault fetches one page (pessimistic; CRIU may prefetch more).
 */
export const UNCALIBRATED_COSTS: ResolvedCosts = {
  dirtyTracking: false,
  freezeBase: millis(20),
  freezePerProcess: millis(2),
  dumpRate: mibPerSecond(1024),
  deltaRate: mibPerSecond(1024),
  restoreBase: millis(250),
  restorePerProcess: millis(2),
  restoreRate: mibPerSecond(1024),
  restoreScope: 'full-image',
  faultSize: DEFAULT_PAGE_SIZE,
};

/** The default policy: 300 ms target downtime, no time budget, no post-copy, 10 rounds at most. */
export const DEFAULT_POLICY: ResolvedPolicy = {
  targetDowntime: seconds(0.3),
  timeBudget: null,
  postCopyAllowed: false,
  extraDowntimeAcceptable: false,
  maxRounds: 10,
  ewmaWeight: 0.5,
  stallWindow: 3,
  minProgress: 0.01,
  downtimeTolerance: 1.5,
};

/** RTTs above this many seconds are rejected as milliseconds passed as seconds. */
export const MAX_RTT = seconds(60);

/** Bandwidths below this many bytes per second are rejected as Mbit/s passed as bytes per second. */
export const MIN_BANDWIDTH = bytesPerSecond(1000);

/** Upper bound on `policy.maxRounds` and on rounds of any simulation. */
export const ROUND_LIMIT = 1000;
