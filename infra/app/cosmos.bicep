// Azure Cosmos DB for MongoDB (RU): account, database, the `clicks` collection (sharded on deviceId)
// and the `destinations` collection (sharded on arn). The connection string is written straight into Key Vault with
// listConnectionStrings(): it is never a parameter, a variable of another module, or an output.

@description('Name of the Cosmos DB account (3-44 lower-case letters, digits and hyphens).')
@minLength(3)
@maxLength(44)
param accountName string

@description('Azure region.')
param location string

@description('Tags applied to the account.')
param tags object

@description('`serverless` (pay per request, nothing when idle) or `autoscale` (provisioned throughput shared by the database).')
@allowed([
  'serverless'
  'autoscale'
])
param throughputMode string

@description('Autoscale maximum RU/s for the database when throughputMode is `autoscale` (the floor is a tenth of it).')
@minValue(1000)
param autoscaleMaxThroughput int

@description('Database name (app setting Mongo__Database).')
param databaseName string

@description('Collection for click events (app setting Mongo__Collection).')
param clicksCollectionName string

@description('Collection for AWS destination confirmations (app setting Mongo__DestinationsCollection).')
param destinationsCollectionName string

@description('Days click events are kept before Cosmos DB deletes them (TTL on `_ts`); 0 keeps them forever.')
@minValue(0)
param clickRetentionDays int

@description('Refuse database/collection/index changes from key holders (ARM only). When on, the app is told not to create indexes (Mongo__CreateIndexes=false): this template declares them.')
param disableKeyBasedMetadataWriteAccess bool

@description('Where periodic backups are kept: `Local` (locally redundant, every region), `Zone` (zone-redundant, regions with availability zones) or `Geo` (copied to the paired region; regions without a pair cannot use it).')
@allowed([
  'Geo'
  'Local'
  'Zone'
])
param backupStorageRedundancy string

@description('Name of the existing Key Vault that receives the connection string.')
param keyVaultName string

@description('Name of the Key Vault secret holding the connection string.')
param connectionStringSecretName string

var serverless = throughputMode == 'serverless'

// The indexes the read API queries by, identical to ButtonFunctions/Storage/ClickIndexes.cs (a test compares
// them): every device newest first and the summary's time range {occurredAt: 1, _id: 1}, one device newest first
// {deviceId: 1, occurredAt: 1, _id: 1}. ARM index keys carry no direction, so both are all-ascending and the
// newest-first reads walk them backwards.
var clickIndexes = [
  { key: { keys: ['_id'] } }
  { key: { keys: ['deviceId', 'occurredAt', '_id'] } }
  { key: { keys: ['occurredAt', '_id'] } }
]
var ttlIndex = [
  {
    key: { keys: ['_ts'] }
    options: { expireAfterSeconds: clickRetentionDays * 86400 }
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2026-03-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'MongoDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    apiProperties: {
      serverVersion: '7.0'
    }
    capabilities: concat(
      [
        { name: 'EnableMongo' }
      ],
      serverless ? [{ name: 'EnableServerless' }] : []
    )
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    minimalTlsVersion: 'Tls12'
    // The MongoDB wire protocol authenticates with the account key inside the connection string;
    // Entra ID data-plane auth does not exist for the MongoDB (RU) API, so local auth must stay on.
    // The key lives only in Key Vault.
    disableLocalAuth: false
    // When on, databases, collections, indexes and throughput can only change through ARM (this
    // template), not through the connection string; createIndexes from the app would be refused
    // (Unauthorized), so main.bicep then sets Mongo__CreateIndexes=false.
    disableKeyBasedMetadataWriteAccess: disableKeyBasedMetadataWriteAccess
    // Flex Consumption without a virtual network connects from shared outbound addresses, so the
    // account keeps its public endpoint (TLS 1.2+, key required). Private endpoints need a VNet.
    publicNetworkAccess: 'Enabled'
    isVirtualNetworkFilterEnabled: false
    enableAutomaticFailover: false
    enableMultipleWriteLocations: false
    backupPolicy: {
      type: 'Periodic'
      periodicModeProperties: {
        backupIntervalInMinutes: 240
        backupRetentionIntervalInHours: 8
        backupStorageRedundancy: backupStorageRedundancy
      }
    }
  }

  resource database 'mongodbDatabases' = {
    name: databaseName
    properties: {
      resource: {
        id: databaseName
      }
      options: serverless ? {} : { autoscaleSettings: { maxThroughput: autoscaleMaxThroughput } }
    }

    resource clicks 'collections' = {
      name: clicksCollectionName
      properties: {
        resource: {
          id: clicksCollectionName
          shardKey: {
            deviceId: 'Hash'
          }
          indexes: clickRetentionDays > 0 ? concat(clickIndexes, ttlIndex) : clickIndexes
        }
      }
    }

    // Sharded like `clicks` rather than left unsharded, on the field every record carries
    // (DestinationStore always writes `arn`; a test checks it). A shard key cannot be added to an
    // existing collection: an account deployed before it needs the (audit-only) collection dropped
    // first (see the README).
    resource destinations 'collections' = {
      name: destinationsCollectionName
      properties: {
        resource: {
          id: destinationsCollectionName
          shardKey: {
            arn: 'Hash'
          }
          indexes: [
            { key: { keys: ['_id'] } }
          ]
        }
      }
    }
  }
}

resource vault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource connectionStringSecret 'Microsoft.KeyVault/vaults/secrets@2026-05-15' = {
  parent: vault
  name: connectionStringSecretName
  properties: {
    value: account.listConnectionStrings().connectionStrings[0].connectionString
    contentType: 'text/plain'
    attributes: {
      enabled: true
    }
  }
}

output accountName string = account.name
output databaseName string = account::database.name
// The versionless URI: after a key rotation the app picks up the new secret version on refresh.
output connectionStringSecretUri string = connectionStringSecret.properties.secretUri
