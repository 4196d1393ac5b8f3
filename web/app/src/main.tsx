import { render } from 'preact';
import { App } from './components/App';
import { bind_document } from './i18n/i18n';
import './theme.css';

bind_document(document);
const root = document.getElementById('root');
if (root) render(<App href={window.location.href} />, root);
