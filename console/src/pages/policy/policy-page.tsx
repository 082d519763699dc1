// The effective policy and its version as readable tables; the raw JSON folded away beneath.
import { useApi } from '../../api.ts';
import { Loading, Page } from '../../components/page.tsx';
import { ProblemMessage } from '../../components/problem-message.tsx';
import { fmtNumber } from '../../i18n.ts';
import { usePolicyMessages } from './policy-messages.ts';
import { DictionaryView, IssuersTable, PolicySection, PrivilegesTable, PurposesTable, RolesTable, RulesTable, SourcesTable } from './policy-tables.tsx';
import type { EffectivePolicy } from './policy-types.ts';

export default function PolicyPage() {
  const m = usePolicyMessages();
  const res = useApi<EffectivePolicy>('/v1/policies');
  const p = res.data?.policy;
  const count = (o: object | undefined) => fmtNumber(o ? Object.keys(o).length : 0);
  return (
    <Page title={m.title}>
      <p>{m.intro}</p>
      {res.loading && <Loading label={m.loading} />}
      <ProblemMessage error={res.error} />
      {res.data && p && (
        <>
          <PolicySection id="policy-version" title={m.versionTitle}>
            <dl class="facts">
              <dt>{m.version}</dt>
              <dd>
                <code class="policy-version">{res.data.version}</code>
              </dd>
            </dl>
            <p class="muted">{m.counts({ roles: count(p.roles), purposes: count(p.purposes), rules: fmtNumber(p.access_rules?.length ?? 0) })}</p>
          </PolicySection>
          {p.roles && (
            <PolicySection id="policy-roles" title={m.roles}>
              <RolesTable roles={p.roles} />
            </PolicySection>
          )}
          {p.purposes && (
            <PolicySection id="policy-purposes" title={m.purposes}>
              <PurposesTable purposes={p.purposes} />
            </PolicySection>
          )}
          {p.privileges && (
            <PolicySection id="policy-privileges" title={m.privileges}>
              <PrivilegesTable privileges={p.privileges} />
            </PolicySection>
          )}
          {p.access_rules && (
            <PolicySection id="policy-rules" title={m.rules}>
              <RulesTable rules={p.access_rules} />
            </PolicySection>
          )}
          {p.issuers && (
            <PolicySection id="policy-issuers" title={m.issuersTitle}>
              <IssuersTable issuers={p.issuers} />
            </PolicySection>
          )}
          {p.sources && (
            <PolicySection id="policy-sources" title={m.sources}>
              <SourcesTable sources={p.sources} />
            </PolicySection>
          )}
          {p.dictionary && (
            <PolicySection id="policy-dictionary" title={m.dictionary}>
              <DictionaryView dictionary={p.dictionary} />
            </PolicySection>
          )}
          <details class="panel policy-raw">
            <summary>{m.raw}</summary>
            {/* focusable: a scrolled region must be reachable by keyboard */}
            <pre tabIndex={0}>
              <code>{JSON.stringify(res.data, null, 2)}</code>
            </pre>
          </details>
        </>
      )}
    </Page>
  );
}
