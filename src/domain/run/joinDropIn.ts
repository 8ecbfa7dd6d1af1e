/**
 * Where a joining member's first start raises its unit's start timeout: a runtime drop-in, written and
 * removed by the start itself (src/activities/node/joinStart.ts), and named in what is left to do by
 * hand when a join's undo stops half-way (src/workflows/steps/undoByHand.ts). Plain names, so the
 * workflow code can name it too.
 */

/** The drop-in's file name: ours alone, so removing it can never remove an operator's. */
export const JOIN_DROP_IN = '50-etcd-scaleout-join.conf';

/** Where systemd reads runtime drop-ins; a parameter only so a unit test can point it at a folder. */
export const RUNTIME_UNIT_DIR = '/run/systemd/system';

/** The service's drop-in folder: `etcd` and `etcd.service` name the same unit. */
export const dropInDir = (service: string, root = RUNTIME_UNIT_DIR): string =>
  `${root}/${service.replace(/\.service$/, '')}.service.d`;
