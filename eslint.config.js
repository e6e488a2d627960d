import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.data/**', '.cache/**', 'services/api/ui/**', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportAllDeclaration', message: 'No export *: name what a package promises.' }],
      'no-console': 'error',
    },
  },
  {
    // CLIs and benchmarks print their figures for a person to read.
    files: ['bench/**/*.ts', 'services/*/src/cli*.ts', 'services/*/src/main.ts', 'services/chartwatch/src/**/*.ts', 'packages/simulator/src/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
