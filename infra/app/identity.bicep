// The one identity the function app uses for everything a key could otherwise have been used for:
// storage (host + deployment package), Key Vault references, Application Insights ingestion.
// User-assigned rather than system-assigned so its role assignments exist before the app starts.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
