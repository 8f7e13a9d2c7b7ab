export * from './commands';
export * from './decider';
export * from './events';
export * from './expiringNotice';
export * from './validation';
