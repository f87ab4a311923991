package access

// InventoryOf is inventoryOf, for the package's external tests.
var InventoryOf = inventoryOf
