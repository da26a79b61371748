/**
 * What every other part of certpilot uses and which depends on nothing of certpilot: IP-address names, key-pair
 * checks, text quoted for logs. Not exported by the module; not part of certpilot's API.
 */
package dev.certpilot.core.internal.base;
