import { afterEach, describe, expect, it } from 'vitest';
import { setConfig, loadConfig } from '../config/config.js';
import { logger } from './logger.js';

describe('the process logger', () => {
  const saved = process.env.LOG_LEVEL;
  afterEach(() => {
    if (saved === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = saved;
  });

  it('takes an empty LOG_LEVEL as unset, as the configuration does, instead of failing to start', () => {
    process.env.LOG_LEVEL = '';
    setConfig(loadConfig({ LOG_LEVEL: '', DATA_DIR: 'memory://' }));
    expect(logger().level).toBe('info');
  });
});
