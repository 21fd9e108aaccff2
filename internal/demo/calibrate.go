package demo

// calibratedContactsPerOrder is the store-wide contacts per order the
// contact rates of brand.go give unscaled (measured on large stores).
const calibratedContactsPerOrder = 0.313
