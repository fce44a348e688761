// ButtonFunctions on Azure: `azd up` provisions this, then deploys ButtonFunctions/ to the function app.
// Plain resource declarations only (no registry modules), so it builds offline.
targetScope = 'subscription'

// ---------- azd ----------

@minLength(1)
@maxLength(64)
@description('azd environment name; seeds every resource name and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('Region for every resource; it must offer Flex Consumption (`az functionapp list-flexconsumption-locations`).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the user running azd (AZURE_PRINCIPAL_ID); gets blob and secret read access for debugging. Empty = none.')
param principalId string = ''

@description('Type of principalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

// ---------- application ----------

@minLength(1)
@description('Auth0 tenant domain that issues the access tokens, e.g. `example.eu.auth0.com` (app setting Auth0__Domain).')
param auth0Domain string

@minLength(1)
@description('Auth0 API identifier the tokens are issued for (app setting Auth0__Audience).')
param auth0Audience string

@description('Client id of the Auth0 Single Page Application the dashboard signs in with (app setting Dashboard__ClientId); empty = the dashboard says it is not configured.')
param dashboardClientId string = ''

@description('Comma-separated AWS IoT topic rule destination ARNs whose confirmation requests are honoured; empty = none.')
param allowedDestinationArns string = ''

@description('Comma-separated Auth0 client ids (the token\'s azp) allowed to call the API; empty = any client of the tenant authorised for the API (app setting Auth0__AllowedClientIds).')
param auth0AllowedClientIds string = ''

@description('MongoDB database name.')
param mongoDatabaseName string = 'buttons'

@description('Collection for click events.')
param mongoClicksCollectionName string = 'clicks'

@description('Collection for AWS destination confirmations.')
param mongoDestinationsCollectionName string = 'destinations'

// ---------- sizing and cost ----------

@description('Cosmos DB throughput: `serverless` (no cost idle beyond storage) or `autoscale` (provisioned, billed at 10% of the maximum when idle).')
@allowed([
  'serverless'
  'autoscale'
])
param cosmosThroughputMode string = 'serverless'

@description('Autoscale maximum RU/s for the database (only with cosmosThroughputMode = autoscale).')
@minValue(1000)
param cosmosAutoscaleMaxThroughput int = 1000

@description('Only ARM may change Cosmos DB databases, collections and indexes; the app then does not create indexes (Mongo__CreateIndexes=false), this template declares them.')
param cosmosDisableKeyBasedMetadataWriteAccess bool = false

@description('Cosmos DB periodic backup storage: `Local` (every region), `Zone` (regions with availability zones) or `Geo` (paired regions only).')
@allowed([
  'Geo'
  'Local'
  'Zone'
])
param cosmosBackupStorageRedundancy string = 'Local'

@description('Days click events are kept (TTL index on `_ts`); 0 keeps them forever.')
@minValue(0)
param clickRetentionDays int = 0

@description('Flex Consumption instance memory in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Maximum instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Concurrent HTTP requests per instance before scaling out.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Always-ready HTTP instances (billed even when idle). 0 = scale to zero; set 1 in production so a cold start never outlasts AWS IoT\'s ~4 s timeout.')
@minValue(0)
param alwaysReadyInstanceCount int = 0

@description('Days Log Analytics keeps logs.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Days a deleted Key Vault or secret stays recoverable.')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 7

@description('Key Vault purge protection (recommended in production; irreversible, and `azd down --purge` then cannot purge the vault).')
param keyVaultEnablePurgeProtection bool = false

// ---------- alerts (README, "Operations": what each rule means and what to do when it fires) ----------

@description('E-mail address alerts are sent to (an action group); empty = none is created and the rules only show in the portal.')
param alertEmailAddress string = ''

@description('Alert when more than alertServerErrorPercent % of requests answer 5xx within 15 minutes.')
param alertServerErrorsEnabled bool = true

@description('Percentage of 5xx answers that fires the 5xx alert.')
@minValue(1)
@maxValue(100)
param alertServerErrorPercent int = 5

@description('Alert when more than alertNotStoredPercent % of click requests answer 429/503 (clicks not stored yet) within 15 minutes.')
param alertNotStoredEnabled bool = true

@description('Percentage of 429/503 answers that fires the 429/503 alert.')
@minValue(1)
@maxValue(100)
param alertNotStoredPercent int = 5

@description('Requests a 15-minute window needs before the rate alerts judge it (one failure of two requests is not an outage).')
@minValue(1)
param alertMinimumRequests int = 10

@description('Alert on a spike of requests refused by the token check. Off by default: public endpoints see scanners.')
param alertAuthFailuresEnabled bool = false

@description('Refused requests in 15 minutes that make a spike.')
@minValue(1)
param alertAuthFailuresPer15Minutes int = 100

@description('Alert when no click arrives for alertNoClicksHours. Off by default: how long silence is normal depends on the buttons\' use.')
param alertNoClicksEnabled bool = false

@description('Hours without a click before the no-clicks alert fires (at most 24: the longest window a log search alert is documented to accept, docs/operations.md).')
@minValue(1)
@maxValue(24)
param alertNoClicksHours int = 24

@description('Alert on Cosmos DB throttling (requests answered 429). Off by default: some 429s are normal use of provisioned throughput, and the app retries them.')
param alertCosmosThrottlingEnabled bool = false

@description('Cosmos DB 429 answers in 5 minutes that fire the throttling alert.')
@minValue(1)
param alertCosmosThrottledPer5Minutes int = 100

// ---------- name overrides (empty = derived from abbreviations.json and the resource token) ----------

@description('Resource group name override.')
param resourceGroupName string = ''

@description('Function app name override.')
param functionAppName string = ''

@description('Flex Consumption plan name override.')
param appServicePlanName string = ''

@description('Managed identity name override.')
param identityName string = ''

@description('Storage account name override.')
param storageAccountName string = ''

@description('Log Analytics workspace name override.')
param logAnalyticsName string = ''

@description('Application Insights name override.')
param applicationInsightsName string = ''

@description('Key Vault name override.')
param keyVaultName string = ''

@description('Cosmos DB account name override.')
param cosmosAccountName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var apiServiceName = 'api'
var names = {
  functionApp: !empty(functionAppName)
    ? functionAppName
    : '${abbrs.webSitesFunctions}${apiServiceName}-${resourceToken}'
  plan: !empty(appServicePlanName) ? appServicePlanName : '${abbrs.webServerFarms}${resourceToken}'
  identity: !empty(identityName)
    ? identityName
    : '${abbrs.managedIdentityUserAssignedIdentities}${apiServiceName}-${resourceToken}'
  storage: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: !empty(applicationInsightsName)
    ? applicationInsightsName
    : '${abbrs.insightsComponents}${resourceToken}'
  keyVault: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
  cosmos: !empty(cosmosAccountName) ? cosmosAccountName : '${abbrs.documentDBMongoDatabaseAccounts}${resourceToken}'
}
var deploymentContainerName = 'app-package-${resourceToken}'
var mongoSecretName = 'mongo-connection-string'

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
    retentionInDays: logRetentionInDays
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: tags
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
    enablePurgeProtection: keyVaultEnablePurgeProtection
  }
}

module cosmos 'app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    accountName: names.cosmos
    location: location
    tags: tags
    throughputMode: cosmosThroughputMode
    autoscaleMaxThroughput: cosmosAutoscaleMaxThroughput
    disableKeyBasedMetadataWriteAccess: cosmosDisableKeyBasedMetadataWriteAccess
    backupStorageRedundancy: cosmosBackupStorageRedundancy
    databaseName: mongoDatabaseName
    clicksCollectionName: mongoClicksCollectionName
    destinationsCollectionName: mongoDestinationsCollectionName
    clickRetentionDays: clickRetentionDays
    keyVaultName: names.keyVault
    connectionStringSecretName: mongoSecretName
  }
  dependsOn: [
    keyVault
  ]
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: names.storage
    keyVaultName: names.keyVault
    applicationInsightsName: names.applicationInsights
    identityName: names.identity
    userPrincipalId: principalId
    userPrincipalType: principalType
  }
  // Names are passed (not outputs) so what-if can predict the assignments; hence explicit ordering.
  dependsOn: [
    identity
    storage
    keyVault
    monitoring
  ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    serviceName: apiServiceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: names.storage
    deploymentContainerName: deploymentContainerName
    applicationInsightsName: names.applicationInsights
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    alwaysReadyInstanceCount: alwaysReadyInstanceCount
    appSettings: {
      Auth0__Domain: auth0Domain
      Auth0__Audience: auth0Audience
      Auth0__AllowedClientIds: auth0AllowedClientIds
      Dashboard__ClientId: dashboardClientId
      Destinations__AllowedArns: allowedDestinationArns
      Mongo__ConnectionString: '@Microsoft.KeyVault(SecretUri=${cosmos.outputs.connectionStringSecretUri})'
      Mongo__Database: mongoDatabaseName
      Mongo__Collection: mongoClicksCollectionName
      Mongo__DestinationsCollection: mongoDestinationsCollectionName
      // Key holders may not create indexes when metadata writes are ARM-only; the template declares them.
      Mongo__CreateIndexes: cosmosDisableKeyBasedMetadataWriteAccess ? 'false' : 'true'
    }
  }
  // The app starts as soon as it exists: its identity should already hold its roles so the first
  // Key Vault reference resolution and storage access succeed.
  dependsOn: [
    rbac
    storage
    monitoring
  ]
}

module alerts 'app/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    applicationInsightsName: names.applicationInsights
    cosmosAccountName: names.cosmos
    location: location
    tags: tags
    emailAddress: alertEmailAddress
    settings: {
      serverErrors: { enabled: alertServerErrorsEnabled, percent: alertServerErrorPercent, minimumRequests: alertMinimumRequests }
      notStored: { enabled: alertNotStoredEnabled, percent: alertNotStoredPercent, minimumRequests: alertMinimumRequests }
      authFailures: { enabled: alertAuthFailuresEnabled, per15Minutes: alertAuthFailuresPer15Minutes }
      noClicks: { enabled: alertNoClicksEnabled, hours: alertNoClicksHours }
      cosmosThrottling: { enabled: alertCosmosThrottlingEnabled, per5Minutes: alertCosmosThrottledPer5Minutes }
    }
  }
  // Names are passed (not outputs) so what-if can predict the rules; hence explicit ordering.
  dependsOn: [
    monitoring
    cosmos
  ]
}

module workbook 'app/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    applicationInsightsName: names.applicationInsights
    cosmosAccountName: names.cosmos
    location: location
    tags: tags
  }
  dependsOn: [
    monitoring
    cosmos
  ]
}

var functionUrl = 'https://${api.outputs.defaultHostName}'

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_NAME string = api.outputs.name
output AZURE_FUNCTION_URL string = functionUrl
output SERVICE_API_NAME string = api.outputs.name
output SERVICE_API_URI string = functionUrl
@description('URL for the AWS IoT topic rule HTTPS action (and its destination confirmation).')
output INGEST_URL string = '${functionUrl}/api/clicks'
output DASHBOARD_URL string = '${functionUrl}/dashboard/'
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.accountName
output AZURE_COSMOS_DATABASE_NAME string = cosmos.outputs.databaseName
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output AZURE_WORKBOOK_ID string = workbook.outputs.workbookId
