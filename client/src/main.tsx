// Entry point: global styles and the app.
import { render } from 'preact';
import { App } from './app.tsx';
import './styles/base.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/feedback.css';
import './styles/surfaces.css';
import './styles/portal.css';
import './styles/launch.css';
import './styles/viewer.css';
import './styles/shadow.css';
import './styles/sound.css';
import './styles/dashboard.css';
import './styles/security.css';
import './styles/identity.css';
import './styles/machines.css';
import './styles/nav-fit.css';
import './styles/recordings.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
