/**
 * zod/mini loads no locale: without this its default messages all read
 * "Invalid input". The contract's problem details and the environment errors
 * quote zod's English wording, so every schema module imports this first.
 * Idempotent; the classic `zod` package sets the same locale when it loads.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());
