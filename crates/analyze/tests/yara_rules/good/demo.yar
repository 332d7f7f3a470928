rule DemoMarker {
  meta:
    category = "cryptomining"
    severity = "critical"
    description = "synthetic test marker"
  strings:
    $m = "MALGRAPH-TEST-MARKER"
  condition:
    $m
}

rule DemoDefaults {
  strings:
    $m = "OTHER-TEST-MARKER"
  condition:
    $m
}
