// The public registration page (/app/register?conference=NAME): name and email in, the
// attendee's personal join link out, when the organizer opened registration.
import { useMemo, useState } from 'preact/hooks';
import { t } from '../../i18n/i18n';
import { RestClient, RestError, join_link } from '../../api/rest_client';

export function Register({ href }: { href: string }) {
  const url = new URL(href);
  const conference = url.searchParams.get('conference') ?? '';
  const client = useMemo(() => new RestClient(null), []);
  const [name, set_name] = useState('');
  const [email, set_email] = useState('');
  const [link, set_link] = useState<string | null>(null);
  const [error, set_error] = useState<string | null>(null);
  return (
    <main id="main" class="console" aria-labelledby="register-heading">
      <h1 id="register-heading">{t('register.heading', { conference })}</h1>
      {link ? (
        <div class="panel" role="status">
          <p>{t('register.done')}</p>
          <a href={link} class="primary">{t('register.join')}</a>
        </div>
      ) : (
        <form class="panel" style={{ maxInlineSize: '26rem' }} onSubmit={(e) => {
          e.preventDefault();
          set_error(null);
          client.register(conference, { name: name.trim(), email: email.trim() }).then(
            (r) => set_link(join_link(r.token, url.origin)),
            (err: unknown) => set_error(err instanceof RestError
              ? t(err.status === 403 ? 'register.closed' : err.status === 409 ? 'register.taken' : 'register.failed', { detail: err.detail })
              : String(err)));
        }}>
          <label><span>{t('prejoin.name')}</span>
            <input type="text" required maxLength={128} value={name} onInput={(e) => set_name(e.currentTarget.value)} />
          </label>
          <label><span>{t('org.email')}</span>
            <input type="email" required value={email} onInput={(e) => set_email(e.currentTarget.value)} />
          </label>
          {error ? <p class="notice error" role="alert">{error}</p> : null}
          <button type="submit" class="primary">{t('register.submit')}</button>
        </form>
      )}
    </main>
  );
}
