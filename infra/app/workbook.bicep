// An Azure Monitor workbook of the app's metrics (workbook.json: queries over Application Insights' `customMetrics`)
// and Cosmos DB's request metric split by status code (429 = throttled). README, "Operations", explains each chart.

@description('Name of the Application Insights component the app exports to.')
param applicationInsightsName string

@description('Name of the Cosmos DB account.')
param cosmosAccountName string

@description('Azure region.')
param location string

@description('Tags applied to the workbook.')
param tags object

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource cosmosAccount 'Microsoft.DocumentDB/databaseAccounts@2026-03-15' existing = {
  name: cosmosAccountName
}

var metricsWorkbook = loadJsonContent('workbook.json')

// Platform metric, not a log: a metrics step on the account (aggregation 7 = count).
var cosmosRequests = {
  type: 10
  name: 'cosmos-requests'
  content: {
    version: 'MetricsItem/2.0'
    title: 'Cosmos DB requests by status code (429 = throttled)'
    size: 0
    chartType: 2
    resourceType: 'microsoft.documentdb/databaseaccounts'
    metricScope: 0
    resourceIds: [
      cosmosAccount.id
    ]
    timeContextFromParameter: 'TimeRange'
    metrics: [
      {
        namespace: 'microsoft.documentdb/databaseaccounts'
        metric: 'microsoft.documentdb/databaseaccounts-Requests-TotalRequests'
        aggregation: 7
        splitBy: 'StatusCode'
      }
    ]
  }
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name must be a GUID; stable per component so redeploying updates it.
  name: guid(applicationInsights.id, 'buttonfunctions-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'ButtonFunctions operations'
    category: 'workbook'
    sourceId: applicationInsights.id
    serializedData: string(union(metricsWorkbook, {
      items: concat(metricsWorkbook.items, [cosmosRequests])
      fallbackResourceIds: [
        applicationInsights.id
      ]
    }))
  }
}

output workbookId string = workbook.id
