/** The checkout's root, from the compiled tests in dist/test/<kind>/...: fixtures and examples live there. */
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..', '..');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
