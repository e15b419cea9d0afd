// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IRelayRegistry
 * @dev Interface of the Sotto relay directory: operators stake an ERC-20 and publish the record of a relay
 * (node key, onion key, libp2p peer id, multiaddrs, fee per packet). The relay's node (hot) key consents to
 * the binding with an EIP-712 signature of type
 * `RelayBinding(address operator,address node,bytes onionKey,bytes peerId,string[] multiaddrs,uint128 fee,uint256 nonce,uint64 deadline)`
 * under the domain `{name: "Sotto RelayRegistry", version: "1", chainId, verifyingContract}`.
 *
 * Life cycle of a relay, keyed by its node address:
 *
 * - {register}: stake at least {minimumStake} and publish the record; the relay is active.
 * - {addStake}, {updateRelay}: while registered and not unbonding.
 * - {requestUnstake}: the relay becomes inactive at once; its stake unlocks after {unbondingDelay}.
 * - {cancelUnstake}: re-stake during unbonding, the relay is active again.
 * - {withdraw}: after the delay, the stake returns to the operator and the record is deleted; the node
 *   (and its onion key) can then be registered again, by any operator, with a fresh node signature.
 */
interface IRelayRegistry {
    /**
     * @dev The part of a relay record chosen by its operator and signed by its node.
     * @param node The relay's hot Ethereum account; signs the binding and is the key of the record.
     * @param onionKey The relay's Sphinx key: a 33-byte compressed secp256k1 public key.
     * @param peerId The relay's libp2p peer id, binary multihash form (at most {MAX_PEER_ID_LENGTH} bytes).
     * @param multiaddrs The relay's listen addresses, text form (1 to {MAX_MULTIADDRS}, each at most
     * {MAX_MULTIADDR_LENGTH} bytes).
     * @param fee The relay's fee per packet, in token base units.
     */
    struct RelayParams {
        address node;
        bytes onionKey;
        bytes peerId;
        string[] multiaddrs;
        uint128 fee;
    }

    /**
     * @dev A relay record as returned by the views.
     * @param node The relay's node address.
     * @param operator The account that staked and controls the record.
     * @param onionKey The 33-byte compressed secp256k1 onion key.
     * @param peerId The libp2p peer id (binary).
     * @param multiaddrs The listen addresses.
     * @param fee The fee per packet.
     * @param stake The staked amount.
     * @param active True when `stake >= minimumStake()` and the relay is not unbonding.
     * @param unbondingEnds Zero unless unbonding; then the time from which {withdraw} is possible.
     */
    struct RelayInfo {
        address node;
        address operator;
        bytes onionKey;
        bytes peerId;
        string[] multiaddrs;
        uint128 fee;
        uint128 stake;
        bool active;
        uint64 unbondingEnds;
    }

    /**
     * @dev A relay was registered by `operator` with `stake`.
     */
    event RelayRegistered(
        address indexed node,
        address indexed operator,
        bytes onionKey,
        bytes peerId,
        string[] multiaddrs,
        uint128 fee,
        uint128 stake
    );

    /**
     * @dev A relay's record was replaced (new node signature).
     */
    event RelayUpdated(
        address indexed node,
        address indexed operator,
        bytes onionKey,
        bytes peerId,
        string[] multiaddrs,
        uint128 fee
    );

    /**
     * @dev `amount` was added to a relay's stake, which is now `stake`.
     */
    event StakeAdded(address indexed node, address indexed operator, uint128 amount, uint128 stake);

    /**
     * @dev The relay became inactive; its `stake` can be withdrawn from `unbondingEnds`.
     */
    event UnstakeRequested(address indexed node, address indexed operator, uint128 stake, uint64 unbondingEnds);

    /**
     * @dev The operator cancelled the unbonding; the relay is active again.
     */
    event UnstakeCancelled(address indexed node, address indexed operator, uint128 stake);

    /**
     * @dev The stake (`amount`) went back to the operator and the relay's record was deleted.
     */
    event StakeWithdrawn(address indexed node, address indexed operator, uint128 amount);

    /**
     * @dev The staking token is the zero address.
     */
    error RelayRegistryInvalidToken(address token);

    /**
     * @dev The onion key is not a 33-byte compressed secp256k1 point.
     * @param onionKey The rejected key.
     */
    error RelayRegistryInvalidOnionKey(bytes onionKey);

    /**
     * @dev The peer id is empty or longer than `maxLength`.
     * @param length The peer id's length.
     * @param maxLength {MAX_PEER_ID_LENGTH}.
     */
    error RelayRegistryInvalidPeerId(uint256 length, uint256 maxLength);

    /**
     * @dev There are no multiaddrs, or more than `maxCount`.
     * @param count The number of multiaddrs given.
     * @param maxCount {MAX_MULTIADDRS}.
     */
    error RelayRegistryInvalidMultiaddrCount(uint256 count, uint256 maxCount);

    /**
     * @dev Multiaddr number `index` is empty or longer than `maxLength`.
     * @param index Position of the multiaddr in the list.
     * @param length Its length in bytes.
     * @param maxLength {MAX_MULTIADDR_LENGTH}.
     */
    error RelayRegistryInvalidMultiaddr(uint256 index, uint256 length, uint256 maxLength);

    /**
     * @dev The node's signature expired.
     * @param deadline The signed deadline.
     */
    error RelayRegistryExpiredSignature(uint64 deadline);

    /**
     * @dev The binding was not signed by `node` (or not for this operator, record, nonce or deadline).
     * @param node The node whose signature was expected.
     * @param signer The recovered signer (zero if the signature is malformed).
     */
    error RelayRegistryInvalidSignature(address node, address signer);

    /**
     * @dev The node is already registered.
     * @param node The node.
     * @param operator Its current operator.
     */
    error RelayRegistryNodeTaken(address node, address operator);

    /**
     * @dev Another relay already uses this onion key (same x coordinate).
     * @param onionKey The key.
     * @param node The relay that holds it.
     */
    error RelayRegistryOnionKeyTaken(bytes onionKey, address node);

    /**
     * @dev The stake would be below the minimum.
     * @param amount The stake offered.
     * @param minimum {minimumStake}.
     */
    error RelayRegistryStakeBelowMinimum(uint128 amount, uint128 minimum);

    /**
     * @dev Adding zero stake.
     */
    error RelayRegistryZeroAmount();

    /**
     * @dev No relay is registered for this node.
     */
    error RelayRegistryUnknownRelay(address node);

    /**
     * @dev The caller is not the relay's operator.
     * @param node The relay.
     * @param operator Its operator.
     * @param caller The caller.
     */
    error RelayRegistryUnauthorizedOperator(address node, address operator, address caller);

    /**
     * @dev The relay is unbonding: its record and stake are frozen until {withdraw} or {cancelUnstake}.
     * @param node The relay.
     * @param unbondingEnds When the stake unlocks.
     */
    error RelayRegistryUnbonding(address node, uint64 unbondingEnds);

    /**
     * @dev The relay is not unbonding ({requestUnstake} first).
     */
    error RelayRegistryNotUnbonding(address node);

    /**
     * @dev The unbonding delay has not passed yet.
     * @param node The relay.
     * @param unbondingEnds When the stake unlocks.
     */
    error RelayRegistryUnbondingNotOver(address node, uint64 unbondingEnds);

    /**
     * @notice Stakes `amount` and registers the relay described by `relay`, operated by the caller.
     * @dev The node signs `RelayBinding(operator = msg.sender, relay..., nonces(node), deadline)`. Pulls
     * `amount` of {token} from the caller (approve first). Emits {RelayRegistered}.
     * @param relay The record; `relay.node` is the node whose signature is checked.
     * @param amount The stake, at least {minimumStake}.
     * @param deadline Last timestamp at which the node signature is valid.
     * @param nodeSignature 65-byte ECDSA signature (`r ‖ s ‖ v`) by `relay.node`.
     */
    function register(RelayParams calldata relay, uint128 amount, uint64 deadline, bytes calldata nodeSignature)
        external;

    /**
     * @notice Adds `amount` to the stake of `node`'s relay. Only its operator, not while unbonding.
     * @dev Emits {StakeAdded}.
     * @param node The relay.
     * @param amount Amount of {token} pulled from the caller; non-zero.
     */
    function addStake(address node, uint128 amount) external;

    /**
     * @notice {addStake} with an ERC-2612 permit for the registry instead of a prior approval.
     * @dev A failing permit is ignored (it may have been front-run); the transfer then needs an allowance.
     * @param node The relay.
     * @param amount Amount of {token} pulled from the caller; non-zero.
     * @param permitDeadline The permit's deadline.
     * @param v Permit signature `v`.
     * @param r Permit signature `r`.
     * @param s Permit signature `s`.
     */
    function addStakeWithPermit(
        address node,
        uint128 amount,
        uint256 permitDeadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /**
     * @notice Replaces the record of `relay.node`'s relay. Only its operator, not while unbonding.
     * @dev The node signs the new binding with its next nonce. The onion key may change (and must stay
     * unique). Emits {RelayUpdated}.
     * @param relay The new record (same node).
     * @param deadline Last timestamp at which the node signature is valid.
     * @param nodeSignature 65-byte ECDSA signature by `relay.node`.
     */
    function updateRelay(RelayParams calldata relay, uint64 deadline, bytes calldata nodeSignature) external;

    /**
     * @notice Deactivates `node`'s relay and starts the unbonding delay of its whole stake. Only its operator.
     * @dev Emits {UnstakeRequested}.
     * @param node The relay.
     */
    function requestUnstake(address node) external;

    /**
     * @notice Re-stakes an unbonding relay: cancels the unbonding and reactivates it. Only its operator.
     * @dev Emits {UnstakeCancelled}.
     * @param node The relay.
     */
    function cancelUnstake(address node) external;

    /**
     * @notice After the unbonding delay, returns the stake to the operator and deletes the relay's record.
     * Only its operator.
     * @dev Frees the node and its onion key. Emits {StakeWithdrawn}.
     * @param node The relay.
     */
    function withdraw(address node) external;

    /**
     * @notice The staking token.
     */
    function token() external view returns (address);

    /**
     * @notice Minimum stake of an active relay.
     */
    function minimumStake() external view returns (uint128);

    /**
     * @notice Seconds between {requestUnstake} and {withdraw}.
     */
    function unbondingDelay() external view returns (uint64);

    /**
     * @notice The node's next binding nonce.
     */
    function nonces(address node) external view returns (uint256);

    /**
     * @notice Number of registered relays (active or unbonding).
     */
    function relayCount() external view returns (uint256);

    /**
     * @notice The record of `node`'s relay. Reverts with {RelayRegistryUnknownRelay} if there is none.
     */
    function getRelay(address node) external view returns (RelayInfo memory);

    /**
     * @notice Up to `limit` relay records starting at position `offset` of the directory.
     * @dev Positions are not stable across {withdraw} (the last record moves into the freed position): read
     * all pages at the same block (`blockNumber` of `eth_call`) for a consistent directory. Returns an empty
     * array when `offset >= relayCount()`. A typical relay costs ~8,000 gas to list (250 per call: ~2M gas); nodes
     * cap `eth_call` gas (16,777,216 per transaction since Osaka), so read large directories in pages of a few
     * hundred.
     * @param offset First position.
     * @param limit Maximum number of records.
     */
    function getRelays(uint256 offset, uint256 limit) external view returns (RelayInfo[] memory);

    /**
     * @notice True if `node` has a relay with at least {minimumStake} that is not unbonding.
     */
    function isActive(address node) external view returns (bool);

    /**
     * @notice The node whose relay publishes `onionKey`, or the zero address.
     */
    function nodeOfOnionKey(bytes calldata onionKey) external view returns (address);

    /**
     * @notice The EIP-712 digest the node signs for `relay` operated by `operator`.
     * @param operator The operator.
     * @param relay The record.
     * @param nonce The node's nonce ({nonces}).
     * @param deadline Last timestamp at which the signature is valid.
     */
    function hashRelayBinding(address operator, RelayParams calldata relay, uint256 nonce, uint64 deadline)
        external
        view
        returns (bytes32);
}
