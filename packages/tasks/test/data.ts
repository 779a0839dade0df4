/** Test helper: the shared data folder ($HEED_DATA, else ../shared/data beside the repository). */
import { join } from 'node:path';

/** Root of the shared data. */
export const DATA = process.env.HEED_DATA ?? join(import.meta.dirname, '../../../../shared/data');
