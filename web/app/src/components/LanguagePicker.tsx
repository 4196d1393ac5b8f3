import { kLocaleNames, kLocales, locale, set_locale, is_locale, t } from '../i18n/i18n';

export function LanguagePicker() {
  return (
    <label class="language-picker">
      <span>{t('lang.label')}</span>
      <select
        value={locale.value}
        onChange={(e) => {
          const value = e.currentTarget.value;
          if (is_locale(value)) set_locale(value);
        }}
      >
        {kLocales.map((loc) => (
          <option key={loc} value={loc} lang={loc}>{kLocaleNames[loc]}</option>
        ))}
      </select>
    </label>
  );
}
