// Lint: typescript-eslint's recommended rules (syntax only, no type information, so `npm test` stays fast), with
// formatting left to Prettier (eslint-config-prettier turns off the rules that would fight it) except the line
// length, which Prettier does not enforce on comments. Long string, template and regular-expression literals are
// exempt: an error message or a test name split across lines can no longer be found with grep.
import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.generated.ts', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
      // `_name` marks a parameter or binding kept for its position or its type, on purpose unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
)
