import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'jest.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../infrastructure/**',
                '../projections/**',
                '../api/**',
                '../test/**',
                '**/infrastructure/**',
                '**/projections/**',
                '**/api/**',
                'node:*',
                'fs',
                'crypto',
              ],
              message: 'domain/ is pure: no I/O, no other layer.',
            },
          ],
        },
      ],
    },
  },
);
