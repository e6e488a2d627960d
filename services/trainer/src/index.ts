export { createTrainerService } from './app.ts';
export type { TrainerService, TrainerDeps, TrainerStore, TrainRun } from './app.ts';
export { trainerConfigFromEnv, TRAINER_DEFAULTS } from './config.ts';
export type { TrainerConfig } from './config.ts';
