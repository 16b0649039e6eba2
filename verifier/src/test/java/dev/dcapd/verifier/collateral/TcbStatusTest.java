package dev.dcapd.verifier.collateral;

import static dev.dcapd.verifier.collateral.TcbStatus.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TcbStatusTest {
  @Test
  void intelNames() {
    List<String> names = List.of("UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded",
        "TDRelaunchAdvised", "TDRelaunchAdvisedConfigurationNeeded", "OutOfDate", "OutOfDateConfigurationNeeded", "Revoked");
    assertEquals(names, java.util.Arrays.stream(values()).map(TcbStatus::intelName).toList());
    for (String n : names) {
      assertEquals(n, fromIntelName(n).orElseThrow().intelName());
    }
    assertEquals(Optional.empty(), fromIntelName("uptodate"));
  }

  /** QVL's convergence of a platform status with an out-of-date or revoked component (QE or TDX module). */
  @Test
  void convergence() {
    assertEquals(OUT_OF_DATE, UP_TO_DATE.convergeWith(OUT_OF_DATE));
    assertEquals(OUT_OF_DATE, SW_HARDENING_NEEDED.convergeWith(OUT_OF_DATE));
    assertEquals(OUT_OF_DATE_CONFIGURATION_NEEDED, CONFIGURATION_NEEDED.convergeWith(OUT_OF_DATE));
    assertEquals(OUT_OF_DATE_CONFIGURATION_NEEDED, CONFIGURATION_AND_SW_HARDENING_NEEDED.convergeWith(OUT_OF_DATE));
    assertEquals(OUT_OF_DATE_CONFIGURATION_NEEDED, OUT_OF_DATE_CONFIGURATION_NEEDED.convergeWith(OUT_OF_DATE));
    assertEquals(TD_RELAUNCH_ADVISED, TD_RELAUNCH_ADVISED.convergeWith(OUT_OF_DATE));
    for (TcbStatus s : values()) {
      assertEquals(REVOKED, s.convergeWith(REVOKED));
      assertEquals(s, s.convergeWith(UP_TO_DATE));
    }
  }

  @Test
  void worstIsSeverity() {
    assertEquals(OUT_OF_DATE, CONFIGURATION_NEEDED.worst(OUT_OF_DATE));
    assertEquals(REVOKED, REVOKED.worst(UP_TO_DATE));
  }
}
