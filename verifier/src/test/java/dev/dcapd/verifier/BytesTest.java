package dev.dcapd.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Bytes as a map key: equal contents hash equally however they were made; near misses spread. */
class BytesTest {
  @Test
  void equalContentsHashEquallyWhateverTheirOrigin() {
    Random random = new Random(7);
    for (int length = 0; length < 70; length++) {
      byte[] b = new byte[length + 5];
      random.nextBytes(b);
      Bytes direct = Bytes.of(java.util.Arrays.copyOfRange(b, 3, 3 + length));
      Bytes sliced = Bytes.of(b).slice(3, length);
      Bytes viaHex = Bytes.fromHex(direct.hex());
      assertEquals(direct, sliced);
      assertEquals(direct.hashCode(), sliced.hashCode());
      assertEquals(direct.hashCode(), viaHex.hashCode());
      assertEquals(direct.hashCode(), direct.hashCode(), "a cached hash is the hash");
    }
  }

  @Test
  void oneBitChangesAndLengthsGiveDifferentHashes() {
    byte[] chain = new byte[4096];
    new Random(11).nextBytes(chain);
    Set<Integer> seen = new HashSet<>();
    seen.add(Bytes.of(chain).hashCode());
    for (int bit = 0; bit < 512; bit++) {
      byte[] c = chain.clone();
      c[bit + (bit % 8) * 500] ^= (byte) (1 << (bit % 8));
      seen.add(Bytes.of(c).hashCode());
    }
    assertEquals(513, seen.size());
    assertNotEquals(Bytes.zeros(8).hashCode(), Bytes.zeros(9).hashCode());
  }
}
