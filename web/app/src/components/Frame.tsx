// The page frame for the screens outside a conference (organizer console, registration):
// the skip link, the app bar with the language picker.
import type { ComponentChildren } from 'preact';
import { t } from '../i18n/i18n';
import { LanguagePicker } from './LanguagePicker';

export function Frame({ children }: { children: ComponentChildren }) {
  return (
    <div class="app">
      <a class="skip-link" href="#main">{t('app.skip')}</a>
      <header class="app-bar">
        <span class="brand">{t('app.title')}</span>
        <LanguagePicker />
      </header>
      {children}
    </div>
  );
}
