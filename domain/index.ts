export * from './commands';
export * from './decider';
export * from './events';
export * from './roles';
export * from './state';
export * from './upcast';
export * from './validation';
export * from './verification';
