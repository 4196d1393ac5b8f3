import { render } from 'preact';
import { App } from './components/App';
import { Console } from './components/console/Console';
import { Register } from './components/console/Register';
import { Frame } from './components/Frame';
import { RecordPage } from './components/RecordPage';
import { record_conference_from_path } from './api/record';
import { bind_document } from './i18n/i18n';
import './theme.css';

bind_document(document);
const root = document.getElementById('root');
// Routes under /app/ (the server falls back to index.html for all of them).
function page(href: string) {
  const path = new URL(href).pathname;
  if (path.startsWith('/app/organizer')) return <Frame><Console origin={window.location.origin} /></Frame>;
  if (path.startsWith('/app/register')) return <Frame><Register href={href} /></Frame>;
  const record = record_conference_from_path(path);
  if (record !== null) return <Frame><RecordPage conference={record} href={href} /></Frame>;
  return <App href={href} />;
}
if (root) render(page(window.location.href), root);
