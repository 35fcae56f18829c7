/**
 * The stages, each with its own database file. Kept apart from the zod schema so that the command line can
 * name them without loading zod (`pipeline --help` loads only yargs).
 */
export const STAGES = ['DEV', 'UAT', 'PROD'] as const;
export type Stage = (typeof STAGES)[number];
