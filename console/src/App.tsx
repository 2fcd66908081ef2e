import { Admin, CustomRoutes, Resource } from 'react-admin';
import { BrowserRouter, Route } from 'react-router-dom';
import { apiKeys } from './api-keys';
import { answers } from './answers';
import { AskPage } from './ask/AskPage';
import { auditLog } from './audit-log';
import { authProvider } from './authProvider/authProvider';
import { crawlRuns } from './crawl-runs';
import { Dashboard } from './dashboard/Dashboard';
import { dataProvider } from './dataProvider/dataProvider';
import { roleAtLeast } from './dataProvider/session';
import { documents } from './documents';
import { evalRuns } from './eval-runs';
import { evalItems, evalSets } from './eval-sets';
import { feedback } from './feedback';
import { i18nProvider } from './i18n/i18nProvider';
import { CiteLayout } from './layout/CiteLayout';
import { LoginPage } from './layout/LoginPage';
import { NotFound } from './layout/NotFound';
import { sources } from './sources';
import { synonyms } from './synonyms';
import { theme } from './theme';
import { users } from './users';

/**
 * Screens exist only for the roles allowed to use them: an agent's console has no admin resource
 * at all, so typing /console/sources shows "not found" without a single admin request.
 */
export function App() {
  // Browser history (not react-admin's default hash router) so every screen has a real URL under
  // /console that can be bookmarked, shared and refreshed.
  return (
    <BrowserRouter basename="/console">
    <Admin
      title="Cité"
      dataProvider={dataProvider}
      authProvider={authProvider}
      i18nProvider={i18nProvider}
      loginPage={LoginPage}
      layout={CiteLayout}
      dashboard={Dashboard}
      catchAll={NotFound}
      theme={theme}
      requireAuth
      disableTelemetry
    >
      {(role: string | undefined) => (
        <>
          <CustomRoutes>
            <Route path="/ask" element={<AskPage />} />
          </CustomRoutes>
          {roleAtLeast(role, 'evaluator') ? (
            <>
              <Resource name="answers" {...answers} />
              <Resource name="feedback" {...feedback} />
              <Resource name="eval-sets" {...evalSets} />
              <Resource name="eval-items" {...evalItems} />
              <Resource name="eval-runs" {...evalRuns} />
              <Resource name="eval-results" />
            </>
          ) : null}
          {roleAtLeast(role, 'admin') ? (
            <>
              <Resource name="sources" {...sources} />
              <Resource name="crawl-runs" {...crawlRuns} />
              <Resource name="documents" {...documents} />
              <Resource name="chunks" />
              <Resource name="api-keys" {...apiKeys} />
              <Resource name="synonyms" {...synonyms} />
              <Resource name="audit-log" {...auditLog} />
              <Resource name="users" {...users} />
            </>
          ) : null}
        </>
      )}
    </Admin>
    </BrowserRouter>
  );
}
