export type { Repositories, Engine } from './contract';
export { createSqliteRepositories as createRepositories } from './sqlite-store';
