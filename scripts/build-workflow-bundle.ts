/**
 * The build's last step (`npm run build`, after tsc): bundles the workflow code into
 * dist/workflow-bundle.js, so a worker starts without running webpack.
 *   node dist/scripts/build-workflow-bundle.js
 */
import { BUNDLE_PATH, writeWorkflowBundle } from '../src/worker/workflowBundle';

writeWorkflowBundle()
  .then((bytes) =>
    console.log(
      `workflow bundle: ${BUNDLE_PATH} (${(bytes / 1024).toFixed(0)} KiB)`,
    ),
  )
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
