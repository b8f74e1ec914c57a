import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { logIn, logOut, Unauthenticated } from './api';
import { byId } from './dom';
import { refreshKeys, wireKeyForm } from './keys-section';
import { refreshPool } from './pool-section';
import { createReportsSection } from './reports-section';

/** How often the pool refreshes: sidecars beat every second, so two seconds looks live. */
const poolEveryMs = 2_000;
/** Reports are SQL over D1; usage rows arrive about a second after each request. */
const reportsEveryMs = 15_000;

const timers: number[] = [];
const refreshReports = createReportsSection();

function rangeMs(): number {
  return Number(byId<HTMLSelectElement>('range').value);
}

function showLogin(message = ''): void {
  for (const timer of timers.splice(0)) window.clearInterval(timer);
  byId('dashboard').hidden = true;
  byId('logout').hidden = true;
  byId('login').hidden = false;
  byId('login-error').textContent = message;
  byId<HTMLInputElement>('token').focus();
}

function report(error: unknown): void {
  if (error instanceof Unauthenticated) {
    showLogin('Your session has ended; log in again.');
    return;
  }
  byId('status').textContent = error instanceof Error ? error.message : String(error);
}

function loadReports(): Promise<void> {
  return refreshReports(rangeMs(), Date.now()).catch(report);
}

async function showDashboard(): Promise<void> {
  byId('login').hidden = true;
  byId('dashboard').hidden = false;
  byId('logout').hidden = false;
  byId('status').textContent = '';
  await Promise.all([refreshPool(), refreshKeys(report), loadReports()]);
  timers.push(
    window.setInterval(() => void refreshPool().catch(report), poolEveryMs),
    window.setInterval(() => void loadReports(), reportsEveryMs),
  );
}

function start(): void {
  wireKeyForm(report);
  byId('range').addEventListener('change', () => void loadReports());
  byId('login-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    logIn(form)
      .then(async (ok) => {
        form.reset();
        if (!ok) return showLogin('That is not the admin token.');
        await showDashboard();
      })
      .catch(report);
  });
  byId('logout').addEventListener('click', () => {
    void logOut().then(() => showLogin('Logged out.'));
  });
  // The session cookie is HttpOnly, so the page cannot see it: it asks, and a 401 shows the form.
  refreshPool()
    .then(showDashboard)
    .catch((error: unknown) => (error instanceof Unauthenticated ? showLogin() : report(error)));
}

start();
