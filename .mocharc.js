// The whole suite by default; `npx mocha dist/test/x.test.js` runs only the files named (mocha would
// otherwise add the default spec to them and run everything).
//
// TEST_LANE=1 or 2 (scripts/test.sh): the suite in two mocha processes at once, each with its own
// Temporal dev server (lane 2 on its own TEST_TEMPORAL_PORT). Lane 2 holds files whose time is mostly
// waiting (worker kills and heartbeat timeouts, etcd's member-ID second, runs on idle labs), on lab
// blocks and ports no lane-1 file uses; the timing-sensitive files (the apiservers' readiness monitor,
// the failover measurements) stay in lane 1. Unset: every file in one process, as before.
const named = process.argv.slice(2).some((a) => /\.test\.js$/.test(a));
const ALL = [
  'dist/test/unit/**/*.test.js',
  'dist/test/integration/**/*.test.js',
  'dist/test/workflow/**/*.test.js',
];
/**
 * Lane 2's files: blocks 21-23 (scaleout), 30-42 (crash), 70-71 (faults-newMember), 72-74
 * (faults-staleDataDir), 75-77 (faults-voterDown), 79-80 (faults-ssh), 110-121 (versions, and metrics on
 * 121), 186-187 (readdSamePeer), 213 (crash-scaleIn). Not faults-memberId: its add, remove and re-add
 * must fall in one second, which a busier machine makes less sure; nor a file with kube-apiservers.
 */
const LANE_2 = [
  'dist/test/integration/crash.test.js',
  'dist/test/integration/crash-scaleIn.test.js',
  'dist/test/integration/faults-newMember.test.js',
  'dist/test/integration/faults-ssh.test.js',
  'dist/test/integration/faults-staleDataDir.test.js',
  'dist/test/integration/faults-voterDown.test.js',
  'dist/test/integration/metrics.test.js',
  'dist/test/integration/readdSamePeer.test.js',
  'dist/test/integration/scaleout.test.js',
  'dist/test/integration/versions.test.js',
];
const lane = process.env.TEST_LANE;
if (lane && lane !== '1' && lane !== '2')
  throw new Error(`TEST_LANE is ${lane}: 1 or 2, or unset for the whole suite`);
const lanes = { 1: { spec: ALL, ignore: LANE_2 }, 2: { spec: LANE_2 } };
module.exports = {
  ...(named ? {} : lane ? lanes[lane] : { spec: ALL }),
  require: ['dist/test/support/hooks.js'],
  reporter: 'test/support/reporter.js',
  timeout: 600000,
  slow: 30000,
};
