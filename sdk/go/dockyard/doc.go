// Linux machines from bare to serving containers over SSH: hosts, Docker engines, daemon settings, images, containers, networks, volumes, registries and swarms.
package dockyard
