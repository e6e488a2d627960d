export { blankAsUnset, envInt, envReader, isTimeZone, logLevelSetting, LOG_LEVELS, timeZoneSetting } from './env-settings.ts';
export type { Env, EnvSetting, LogLevel } from './env-settings.ts';
export { readFlagFile } from './flag-file.ts';
