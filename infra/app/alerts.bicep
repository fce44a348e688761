// Alert rules on what the app and Cosmos DB report (README, "Operations", says what each means and what to do when it
// fires), and the e-mail action group they notify. The app's own metrics come from its OpenTelemetry meter through the
// Azure Monitor exporter into Application Insights' `customMetrics` table, with their tags as customDimensions; the
// rules on them are log search alerts over that table (metric alerts would need custom metric dimensions turned on,
// which costs extra). Cosmos DB throttling is a platform metric: TotalRequests with StatusCode 429, a metric alert.
// Sources: docs/operations.md.

@description('Name of the Application Insights component the app exports to.')
param applicationInsightsName string

@description('Name of the Cosmos DB account.')
param cosmosAccountName string

@description('Azure region of the log search alerts.')
param location string

@description('Tags applied to every resource.')
param tags object

@description('Where alerts are e-mailed; empty = no action group (the rules still fire and show in the portal).')
param emailAddress string

@description('Rule switches and thresholds (see main.bicep).')
param settings {
  serverErrors: { enabled: bool, percent: int, minimumRequests: int }
  notStored: { enabled: bool, percent: int, minimumRequests: int }
  authFailures: { enabled: bool, per15Minutes: int }
  noClicks: { enabled: bool, hours: int }
  cosmosThrottling: { enabled: bool, per5Minutes: int }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource cosmosAccount 'Microsoft.DocumentDB/databaseAccounts@2026-03-15' existing = {
  name: cosmosAccountName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(emailAddress)) {
  name: 'ag-${applicationInsightsName}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'buttons'
    enabled: true
    emailReceivers: [
      {
        name: 'owner'
        emailAddress: emailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

var actionGroups = empty(emailAddress) ? [] : [actionGroup.id]

// customMetrics rows carry one export interval's sum of a counter in valueSum (count and sum of a histogram in
// valueCount / valueSum); the tags are customDimensions.
var logAlerts = [
  {
    key: 'server-errors'
    displayName: 'ButtonFunctions: 5xx rate'
    description: 'More than ${settings.serverErrors.percent}% of the app\'s requests answered 5xx in 15 minutes (at least ${settings.serverErrors.minimumRequests} requests). AWS IoT retries 5xx, then sends the click to the rule\'s error action.'
    severity: 1
    enabled: settings.serverErrors.enabled
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "buttonfunctions.requests" | extend statusClass = tostring(customDimensions.status_class) | summarize total = sum(valueSum), failed = sumif(valueSum, statusClass == "5xx") | where total >= ${settings.serverErrors.minimumRequests} | extend percent = 100.0 * failed / total | where percent > ${settings.serverErrors.percent}'
  }
  {
    key: 'not-stored'
    displayName: 'ButtonFunctions: 429/503 rate (clicks not stored)'
    description: 'More than ${settings.notStored.percent}% of click requests answered 429 or 503 in 15 minutes (store throttled or unavailable, or the token issuer unreachable; at least ${settings.notStored.minimumRequests} requests). AWS IoT retries them; past its retries the clicks go to the error action.'
    severity: 2
    enabled: settings.notStored.enabled
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name in ("buttonfunctions.requests", "buttonfunctions.ingest.not_stored", "buttonfunctions.auth.refused") | summarize total = sumif(valueSum, name == "buttonfunctions.requests" and tostring(customDimensions.function) == "IngestClicks"), notStored = sumif(valueSum, (name == "buttonfunctions.ingest.not_stored" and tostring(customDimensions.outcome) in ("throttled", "unavailable")) or (name == "buttonfunctions.auth.refused" and tostring(customDimensions.reason) == "issuer-unavailable")) | where total >= ${settings.notStored.minimumRequests} | extend percent = 100.0 * notStored / total | where percent > ${settings.notStored.percent}'
  }
  {
    key: 'auth-failures'
    displayName: 'ButtonFunctions: auth failure spike'
    description: 'More than ${settings.authFailures.per15Minutes} requests refused by the token check in 15 minutes: an expired or rotated credential on the AWS side, or someone probing the endpoint. Off by default: public endpoints see scanners.'
    severity: 3
    enabled: settings.authFailures.enabled
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'customMetrics | where name == "buttonfunctions.auth.refused" | summarize refused = sum(valueSum) | where refused > ${settings.authFailures.per15Minutes}'
  }
  {
    key: 'no-clicks'
    displayName: 'ButtonFunctions: no clicks for ${settings.noClicks.hours} h'
    description: 'No click stored (and no duplicate) in ${settings.noClicks.hours} hours: a button, the AWS rule, its destination or the app went silent, or the app stopped exporting. Off by default: how long silence is normal depends on how the buttons are used.'
    severity: 3
    enabled: settings.noClicks.enabled
    frequency: 'PT1H'
    window: 'PT${settings.noClicks.hours}H'
    query: 'customMetrics | where name in ("buttonfunctions.clicks.stored", "buttonfunctions.clicks.duplicate") | summarize clicks = sum(valueSum) | extend clicks = coalesce(clicks, 0.0) | where clicks == 0'
  }
]

resource logAlertRules 'Microsoft.Insights/scheduledQueryRules@2026-03-01' = [
  for alert in logAlerts: {
    name: 'alert-${alert.key}-${applicationInsightsName}'
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: alert.displayName
      description: alert.description
      severity: alert.severity
      enabled: alert.enabled
      evaluationFrequency: alert.frequency
      windowSize: alert.window
      scopes: [
        applicationInsights.id
      ]
      // The query keeps a row only when the condition holds: one row fires the alert.
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: actionGroups
      }
    }
  }
]

resource cosmosThrottling 'Microsoft.Insights/metricAlerts@2026-01-01' = {
  name: 'alert-cosmos-throttling-${cosmosAccountName}'
  location: 'global'
  tags: tags
  properties: {
    description: 'More than ${settings.cosmosThrottling.per5Minutes} Cosmos DB requests answered 429 (rate limited) in 5 minutes. The app retries within its budget; sustained throttling means the throughput is too low (autoscale maximum) or a serverless account is at its limit. Off by default: a few percent of 429s is normal use of provisioned throughput.'
    severity: 3
    enabled: settings.cosmosThrottling.enabled
    scopes: [
      cosmosAccount.id
    ]
    evaluationFrequency: 'PT1M'
    windowSize: 'PT5M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'throttled-requests'
          metricNamespace: 'Microsoft.DocumentDB/databaseAccounts'
          metricName: 'TotalRequests'
          dimensions: [
            {
              name: 'StatusCode'
              operator: 'Include'
              values: [
                '429'
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: settings.cosmosThrottling.per5Minutes
          timeAggregation: 'Count'
        }
      ]
    }
    autoMitigate: true
    actions: [for id in actionGroups: { actionGroupId: id }]
  }
}
